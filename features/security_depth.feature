# Flow
# Attacker -> Nomos portal: writes another website's address into a magic link in every spelling known
# Test clock -> Every party: moves to a few seconds before, then after, each time limit
# Alice -> Partner app: signs in and out, with Bob signed in at the same time in his own browser
# Attacker -> Partner app: sends its forms straight to the server, without the browser's checks
# Partner backend -> Nomos API and NOX API: collects tokens to see whether they can be guessed
# Attacker -> Partner app: sends refused link data, while the partner's stored devices are watched

@security
Feature: Depth: what attackers and off-by-ones break
  As the partner's security reviewer,
  I want every promise of the three flows tried the way an attacker and a careful tester try it,
  so that a regression hiding behind the one example each requirement names is still caught.

  Each requirement elsewhere is proved by the example its catalog names. These scenarios go
  further: every spelling of an address that could lead off the portal, both edges of every
  time limit, the cookies and sessions of two people at once, forms sent without the
  browser's help, tokens that must not be guessable, every brand the picker offers, and
  refused link data that must leave every stored device alone.

  Background:
    Given Alice and Bob are customers of the partner, Alice with an energy subscription at Nomos and Bob without

  # ------------------------------------------------------------ leaving the portal

  @sso @browser @REQ-SEC-01
  Scenario Outline: A magic link cannot send the customer off the portal, however the other address is written
    Given the partner backend has minted magic links for Alice that lead to another website written <written>
    When Alice opens each of those magic links
    Then every one of them left her on the portal, without her browser asking another website for anything

    Examples:
      | written                                 |
      | as a full address                       |
      | without its scheme                      |
      | with backslashes                        |
      | with slashes and backslashes mixed      |
      | with percent-encoded slashes            |
      | with double-encoded slashes             |
      | with no slashes after its scheme        |
      | after the portal's own address and an @ |
      | with whitespace and control characters  |
      | with look-alike characters              |

  # ------------------------------------------------- both edges of every time limit

  @sso @browser @clock @REQ-SEC-02
  Scenario: A magic link still signs in a few seconds before its lifetime is over
    Given the partner backend has just minted a magic link for Alice
    When the clock reaches a few seconds before the magic link's lifetime is over
    And Alice opens that magic link
    Then that browser shows Alice's own account at the portal

  @sso @browser @clock @REQ-SEC-02
  Scenario: A magic link is refused a few seconds after its lifetime is over
    Given the partner backend has just minted a magic link for Alice
    When the clock reaches a few seconds after the magic link's lifetime is over
    And Alice opens that magic link
    Then the portal refuses that link and that browser is signed in to no account

  @sso @browser @clock @REQ-SEC-03
  Scenario: The portal session is still signed in a few seconds before its lifetime is over
    Given Alice has just signed in to the portal with her magic link
    When the clock reaches a few seconds before the portal session's lifetime is over
    Then that browser shows Alice's own account at the portal

  @sso @browser @clock @REQ-SEC-03
  Scenario: The portal session is signed out a few seconds after its lifetime is over
    Given Alice has just signed in to the portal with her magic link
    When the clock reaches a few seconds after the portal session's lifetime is over
    Then that browser is signed in to no account at the portal

  @supplier @browser @clock @REQ-SEC-04
  Scenario: A link session still connects a device a few seconds before its lifetime is over
    Given Alice has opened a link to connect her heat pump
    And Alice has chosen the partner's usual brand
    When the clock reaches a few seconds before the link session's lifetime is over
    And Alice signs in at the manufacturer
    Then she is back at the partner's callback with the link data

  @supplier @browser @clock @REQ-SEC-04
  Scenario: A link session is refused a few seconds after its lifetime is over
    Given Alice has opened a link to connect her heat pump
    And Alice has chosen the partner's usual brand
    When the clock reaches a few seconds after the link session's lifetime is over
    And Alice signs in at the manufacturer
    Then NOX refuses the link as expired
    And she is not sent back to the partner

  @manufacturer @browser @clock @REQ-SEC-05
  Scenario: The sign-in at the partner still connects a few seconds before NOX's sign-in window is over
    Given Alice is signed in at her heat-pump manufacturer's app
    And Alice has chosen the partner as her energy supplier in her manufacturer's link
    When the clock reaches a few seconds before the sign-in window is over
    And Alice signs in at the partner and accepts its terms
    Then she is back in her manufacturer's app, which confirms her energy supplier is connected

  @manufacturer @browser @clock @REQ-SEC-05
  Scenario: The sign-in at the partner no longer connects a few seconds after NOX's sign-in window is over
    Given Alice is signed in at her heat-pump manufacturer's app
    And Alice has chosen the partner as her energy supplier in her manufacturer's link
    When the clock reaches a few seconds after the sign-in window is over
    And Alice signs in at the partner and accepts its terms
    Then the linking fails and she is told so
    And her manufacturer's app never confirms the link

  @sso @api @clock @REQ-SEC-06
  Scenario: An access token still mints a few seconds before its lifetime is over
    Given the partner backend has just got an access token from Nomos
    When the clock reaches a few seconds before the access token's lifetime is over
    And the partner backend mints a magic link for Alice
    Then Nomos answers with a magic link

  @sso @api @clock @REQ-SEC-06
  Scenario: An access token is refused a few seconds after its lifetime is over
    Given the partner backend has just got an access token from Nomos
    When the clock reaches a few seconds after the access token's lifetime is over
    And the partner backend mints a magic link for Alice
    Then Nomos refuses as unauthorised
    And no magic link is given

  # ------------------------------------------------------------- session hygiene

  @sso @browser @REQ-SEC-07
  Scenario: The portal keeps its session cookie from scripts and from other websites
    When Alice signs in to the portal with her magic link, in a browser that notes every cookie it is given
    Then the portal's session cookie is HttpOnly and SameSite, and Secure if the portal is on https

  @browser @REQ-SEC-07
  Scenario: The partner app keeps its session cookie from scripts and from other websites
    When Alice signs in to the partner app, in a browser that notes every cookie it is given
    Then the partner app's session cookie is HttpOnly and SameSite, and Secure if the partner app is on https

  @sso @browser @REQ-SEC-08
  Scenario: Signing out of the portal ends the session in that browser
    Given Alice has just signed in to the portal with her magic link
    When Alice signs out of the portal in that browser
    Then that browser is signed in to no account at the portal
    And the portal's old session cookie no longer opens Alice's account

  @browser @REQ-SEC-08
  Scenario: Signing out of the partner app ends the session in that browser
    Given Alice has signed in to the partner app in her browser
    When Alice signs out of the partner app in her browser
    Then her browser is asked to sign in to the partner app again
    And the partner app's old session cookie no longer signs Alice in

  @sso @browser @REQ-SEC-09
  Scenario: A magic link opened where another customer is signed in shows its own customer
    Given Bob has just signed in to the portal with his magic link
    When Alice's magic link is opened in that same browser
    Then that browser shows Alice's own account at the portal, not Bob's

  # -------------------------------------------------------------- two users at once

  @sso @browser @REQ-SEC-10
  Scenario: Two partner users opening their energy accounts at the same time each see their own
    Given Alice has signed in to the partner app in her browser
    And Bob has signed in to the partner app in his browser
    When Alice opens her energy account in her browser
    And Bob opens his energy account in his browser
    Then Alice's browser shows her account hub and Bob's browser shows his hosted checkout

  @supplier @browser @REQ-SEC-10
  Scenario: Two partner users connecting heat pumps at the same time each get their own
    Given Alice's heat pump of the partner's usual brand is connected with her second account there
    And Bob has signed in to the partner app in his browser
    When Alice starts connecting a heat pump in her browser
    And Bob starts connecting a heat pump in his browser
    And Alice signs in at the partner's usual brand with its first account in her browser
    And Bob signs in at the partner's usual brand with its second account in his browser
    Then each browser came back to the partner with link data naming its own user
    And the partner app shows each of them the device they connected and not the other's

  # ------------------------------------------- the server enforces what the browser does

  @browser @REQ-SEC-11
  Scenario: The partner app refuses a sign-in without a password sent straight to its server
    Given Alice has the partner app's sign-in page open
    When Alice's browser sends the sign-in form straight to the partner app without a password
    Then the partner app refuses that sign-in
    And her browser is asked to sign in to the partner app again

  @manufacturer @browser @REQ-SEC-11
  Scenario: The partner refuses a sign-in without its terms sent straight to its server
    Given Alice is signed in at her heat-pump manufacturer's app
    And Alice has chosen the partner as her energy supplier in her manufacturer's link
    When Alice's browser sends the partner's sign-in form straight to the partner without accepting its terms
    Then the partner refuses that sign-in
    And Alice can still finish linking at the partner

  @supplier @browser @REQ-SEC-11
  Scenario: A manufacturer refuses a sign-in without its terms sent straight to its server
    Given Alice has opened a link to connect her heat pump
    And Alice has chosen a brand that asks for its terms
    When Alice's browser sends that manufacturer's sign-in form straight to it without accepting its terms
    Then the manufacturer refuses that sign-in and sends her browser nowhere

  # ------------------------------------------------------------------------ tokens

  @sso @api @REQ-SEC-12
  Scenario: Magic-link tokens cannot be guessed from one another
    When the partner backend mints 6 magic links, for Alice and for Bob in turn
    Then their tokens are long, random-looking, all different and not sequential

  @supplier @api @REQ-SEC-12
  Scenario: NOX link tokens cannot be guessed from one another
    When the partner backend starts 6 link sessions for Alice's heat pump
    Then their link tokens are long, random-looking, all different and not sequential

  @manufacturer @browser @REQ-SEC-12
  Scenario: The sign-in sessions NOX hands the partner cannot be guessed from one another
    Given Alice is signed in at her heat-pump manufacturer's app
    When Alice chooses the partner in 4 linkings started by her manufacturer's app
    Then the sign-in sessions NOX handed the partner are long, random-looking, all different and not sequential

  # ------------------------------------------------------- complete brand filtering

  @supplier @browser @REQ-SEC-13
  Scenario Outline: The brand picker offers no brand outside the kind of device being connected
    When Alice asks the partner app to connect her <device>
    Then every brand offered is one the target lists for <device>

    @hp
    Examples: heat pumps
      | device       |
      | heat pump    |

    @pv
    Examples: solar panels
      | device       |
      | solar panels |

  # -------------------------------------------------------- a refusal stores nothing

  @supplier @browser @REQ-SEC-14
  Scenario: Link data the partner refuses leaves every stored device as it was
    Given Alice has connected her heat pump through a link
    And Bob has signed in to the partner app in his browser
    And the devices the partner app shows Alice and Bob on their home pages are noted
    When link data the partner must refuse arrives at its callback in Alice's browser, broken in every way and made for Bob
    Then after each refusal the partner app shows Alice and Bob exactly the devices noted
