# Flow
# Alice -> Manufacturer app: connects her energy supplier
# Manufacturer app -> NOX API: starts a linking session with the manufacturer's own key
# Manufacturer app -> Alice: sends the browser to NOX's Authenticator UI
# Alice -> NOX: chooses the partner in the energy-supplier selector
# NOX -> Alice: sends the browser to the partner's sign-in page, with a 15-minute sign-in session
# Alice -> Partner app: signs in with her partner account and accepts the terms
# Partner backend -> NOX API: tells NOX who signed in (post-login redirect, the partner's key)
# Partner app -> Alice: sends the browser back to NOX
# NOX -> Alice: sends the browser to the manufacturer's return address, which confirms the link

@manufacturer
Feature: Connecting the energy supplier from the manufacturer's app
  As a heat-pump owner signed in at my manufacturer's app,
  I want to connect my energy supplier from there,
  so that my supplier can steer my heat pump without me starting over in its app.

  NOX shows an energy-supplier selector; choosing the partner opens the partner's own
  sign-in page, which presents its terms. Once Alice has signed in and accepted them,
  the partner backend tells NOX who she is, and she is back in her manufacturer's app.
  The sign-in session lasts at most 15 minutes, and NOX takes the partner's word on who
  signed in only with the partner's key, once, within that time.

  Background:
    Given Alice is a customer of the partner, her energy supplier
    And Alice is signed in at her heat-pump manufacturer's app

  # ------------------------------------------------ the manufacturer app starts

  @api @smoke @REQ-MAN-01
  Scenario: The manufacturer app starts linking with its own key and gets a link to NOX
    When the manufacturer app starts linking an energy supplier for Alice
    Then NOX answers with a link to its Authenticator UI

  @api @REQ-MAN-01
  Scenario: The linking session describes what the manufacturer app asked for
    When the manufacturer app starts linking an energy supplier for Alice in English
    Then the session is for Alice's account at the manufacturer behind the key
    And the session returns her to the manufacturer app's address, in English
    And the session is open for 10 minutes from now and not yet completed

  @api @security @REQ-MAN-01
  Scenario Outline: NOX starts no linking session for a manufacturer it cannot identify
    When the manufacturer app starts linking an energy supplier for Alice <credential>
    Then NOX refuses to start linking as unauthorised
    And no link to the Authenticator UI is given

    Examples:
      | credential              |
      | without its key         |
      | with a wrong key        |
      | with the supplier's key |

  @api @REQ-MAN-01
  Scenario Outline: NOX starts no linking session for an incomplete or invalid request
    When the manufacturer app starts linking an energy supplier for Alice <request>
    Then NOX refuses to start linking as invalid input
    And no link to the Authenticator UI is given

    Examples:
      | request                                                   |
      | without saying who the user is                            |
      | without a return address                                  |
      | with a return address that is not an address              |
      | with a language NOX does not speak                        |
      | with a return address the manufacturer has not registered |

  # ------------------------------------------------ choosing the energy supplier

  @browser @REQ-MAN-02
  Scenario Outline: The link opens the energy-supplier selector, which offers the partner
    Given the manufacturer app has started linking an energy supplier for Alice in <language>
    When Alice opens the link from her manufacturer's app
    Then she sees the energy-supplier selector in <language>
    And the partner is among the energy suppliers offered

    Examples:
      | language |
      | Dutch    |
      | English  |
      | French   |
      | Spanish  |

  @browser @REQ-MAN-03
  Scenario: Choosing the partner opens its sign-in page, which presents its terms
    Given Alice has opened the link from her manufacturer's app
    When Alice chooses the partner as her energy supplier
    Then she sees the partner's sign-in page
    And the page presents the partner's terms and conditions to accept

  @browser @REQ-MAN-03
  Scenario Outline: The partner's sign-in page speaks the language Alice uses at her manufacturer
    Given the manufacturer app has started linking an energy supplier for Alice in <language>
    And Alice has opened the link from her manufacturer's app
    When Alice chooses the partner as her energy supplier
    Then the partner's sign-in page is in <language>

    Examples:
      | language |
      | Dutch    |
      | English  |
      | French   |
      | Spanish  |

  @browser @security @REQ-MAN-03
  Scenario: Signing in at the partner without accepting its terms is refused
    Given Alice has chosen the partner as her energy supplier in her manufacturer's link
    When Alice signs in at the partner without accepting its terms
    Then the partner refuses the sign-in
    And she is still on the partner's sign-in page

  # ------------------------------------------------ signing in and coming back

  @browser @security @REQ-MAN-04
  Scenario: After Alice signs in, the partner tells NOX who she is
    Given Alice has chosen the partner as her energy supplier in her manufacturer's link
    When Alice signs in at the partner and accepts its terms
    Then her way back to the manufacturer's app passes through NOX
    And the partner has told NOX who she is, which used up her sign-in session at NOX

  @browser @security @REQ-MAN-04
  Scenario: Going back to NOX without signing in at the partner does not connect it
    Given Alice has chosen the partner as her energy supplier in her manufacturer's link
    When Alice goes back to NOX without signing in at the partner
    Then her manufacturer's app says her energy supplier was not connected

  @browser @smoke @REQ-MAN-05
  Scenario: Alice connects her energy supplier from her manufacturer's app
    Given Alice has opened the link from her manufacturer's app
    When Alice chooses the partner as her energy supplier
    And Alice signs in at the partner and accepts its terms
    Then she is back in her manufacturer's app, which confirms her energy supplier is connected

  @browser @security @clock @REQ-MAN-06
  Scenario: Signing in more than 15 minutes after choosing the partner does not connect it
    Given Alice has chosen the partner as her energy supplier in her manufacturer's link
    When the time to finish the linking has run out
    And Alice signs in at the partner and accepts its terms
    Then the linking fails and she is told so
    And her manufacturer's app never confirms the link

  @browser @security @clock @REQ-MAN-06
  Scenario: Coming back to NOX more than 15 minutes after signing in at the partner does not connect it
    Given Alice has chosen the partner as her energy supplier in her manufacturer's link
    And the partner backend has told NOX who Alice is
    When the time to finish the linking has run out
    And Alice's browser arrives back at NOX
    Then her manufacturer's app says the linking expired

  # ------------------------------------------------ the partner's word at NOX

  @api @browser @security @REQ-MAN-07
  Scenario Outline: NOX takes the partner's word on who signed in only with the partner's key
    Given Alice has chosen the partner as her energy supplier in her manufacturer's link
    When the partner backend tells NOX who signed in <credential>
    Then NOX refuses the hand-off as unauthorised
    And Alice can still finish linking at the partner

    Examples:
      | credential                  |
      | without its key             |
      | with a wrong key            |
      | with the manufacturer's key |

  @api @security @REQ-MAN-07
  Scenario: NOX refuses a hand-off for a sign-in session it never started
    When the partner backend tells NOX who signed in for a session NOX never started
    Then NOX refuses the hand-off as an unknown session

  @api @browser @security @REQ-MAN-07
  Scenario: NOX refuses a second hand-off for a sign-in session already completed
    Given Alice has connected her energy supplier from her manufacturer's app
    When the partner backend tells NOX again who signed in for that session
    Then NOX refuses the hand-off as already used

  @api @browser @security @clock @REQ-MAN-07
  Scenario: NOX refuses a hand-off for a sign-in session that has expired
    Given Alice has chosen the partner as her energy supplier in her manufacturer's link
    And the time to finish the linking has run out
    When the partner backend tells NOX who signed in for that session
    Then NOX refuses the hand-off as expired
