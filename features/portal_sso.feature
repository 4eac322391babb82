# Flow
# Customer -> Partner app: clicks "Open energy account"
# Partner app -> Nomos API: asks for an access token (client credentials)
# Partner app -> Nomos API: mints a magic link for the customer
# Partner app -> Customer: sends the browser to the magic link
# Customer -> Nomos portal: opens the magic link
# Nomos portal -> Customer: signs her in and shows the account hub

@sso
Feature: Portal single sign-on
  As a customer signed in to the partner app,
  I want to open my Nomos energy account with one click,
  so that my invoices, orders and tariff are there without a second sign-in.

  The partner backend mints a magic link at Nomos for the signed-in customer and
  sends the browser there. The link signs in only that customer, only once, only
  for a short while, and never leads off the portal; the access token used to mint
  it stays on the server.

  Background:
    Given Alice is a Nomos customer with an energy subscription
    And Bob is a Nomos customer without a subscription yet

  # ---------------------------------------------------------- minting at Nomos

  @api @smoke @REQ-SSO-01
  Scenario: The partner backend mints a magic link with an access token it got server-side
    Given the partner backend has an access token from Nomos
    When the partner backend mints a magic link for Alice
    Then Nomos answers with a magic link

  @api @security @REQ-SSO-01 @REQ-SSO-05
  Scenario: Nomos gives no access token for a wrong client secret
    When the partner backend asks Nomos for an access token with a wrong client secret
    Then Nomos refuses as unauthorised
    And the refusal explains itself with a code, a message, a request id and a link to the docs
    And no access token is given

  @api @security @REQ-SSO-02 @REQ-SSO-05
  Scenario Outline: Minting without a valid access token is refused
    When the partner backend mints a magic link for Alice <credential>
    Then Nomos refuses as unauthorised
    And the refusal explains itself with a code, a message, a request id and a link to the docs
    And no magic link is given

    Examples:
      | credential                    |
      | without an access token       |
      | with an invented access token |
      | with a tampered access token  |

  @api @security @clock @REQ-SSO-02 @REQ-SSO-05
  Scenario: Minting with an expired access token is refused
    Given the partner backend has an access token from Nomos
    And the access token has expired
    When the partner backend mints a magic link for Alice
    Then Nomos refuses as unauthorised
    And the refusal explains itself with a code, a message, a request id and a link to the docs
    And no magic link is given

  @api @REQ-SSO-03 @REQ-SSO-05
  Scenario Outline: A malformed minting request is refused, never with a server error
    When the partner backend mints a magic link <bad input>
    Then Nomos refuses it as invalid input
    And the refusal explains itself with a code, a message, a request id and a link to the docs
    And no magic link is given

    Examples:
      | bad input                    |
      | without a customer id        |
      | with a number as customer id |
      | with null as customer id     |
      | with a list as body          |
      | with a body that is not JSON |
      | with an empty body           |

  @api @security @REQ-SSO-04 @REQ-SSO-05
  Scenario: A magic link for a customer Nomos does not know is refused
    When the partner backend mints a magic link for a customer Nomos does not know
    Then Nomos refuses as not found
    And the refusal explains itself with a code, a message, a request id and a link to the docs
    And no magic link is given

  @api @REQ-SSO-06
  Scenario: A magic link opens the account overview of the hosted portal with a one-time token
    When the partner backend mints a magic link for Alice
    Then the link points at the hosted portal
    And the link carries a one-time token of the magic-link type
    And the link leads to the account overview by default

  @api @REQ-SSO-14
  Scenario: The magic link of a customer without a subscription points at the hosted checkout
    When the partner backend mints a magic link for Bob
    Then the link points at the hosted checkout

  # ------------------------------------------------------- into the portal

  @browser @smoke @REQ-SSO-07
  Scenario: Alice opens her energy account from the partner app
    Given Alice is signed in to the partner app
    When Alice opens her energy account
    Then she sees her account hub with her name
    And the hub offers quick links to her data, invoices, orders, tariff and help

  @browser @REQ-SSO-14
  Scenario: Bob, without a subscription, lands on the hosted checkout
    Given Bob is signed in to the partner app
    When Bob opens his energy account
    Then he sees the hosted checkout

  @browser @REQ-SSO-12
  Scenario: A deep link lands on the invoice after sign-in
    Given the partner backend has minted a magic link for Alice that leads to one of her invoices
    When Alice opens the magic link
    Then she sees that invoice

  @browser @security @REQ-SSO-13
  Scenario Outline: A magic link cannot send the customer to another website
    Given the partner backend has minted a magic link for Alice that leads to <elsewhere>
    When Alice opens the magic link
    Then her browser stays on the portal
    And she sees her account hub with her name

    Examples:
      | elsewhere                                      |
      | a full address on another website              |
      | a protocol-relative address on another website |

  @browser @REQ-SSO-17
  Scenario: Every click on "Open energy account" mints a fresh link
    Given Alice is signed in to the partner app
    When Alice opens her energy account twice
    Then each opening used a different magic link
    And she sees her account hub with her name

  @browser @security @REQ-SSO-16
  Scenario: The partner app's way into the portal requires signing in to the partner app
    Given Alice is not signed in to the partner app
    When Alice goes straight to the partner app's energy account entry
    Then she sees the partner app's sign-in page
    And her browser never reached the portal

  @browser @security @REQ-SSO-18
  Scenario: The Nomos access token never reaches the browser
    Given everything Alice's browser sends and receives is recorded
    And Alice is signed in to the partner app
    When Alice opens her energy account
    Then nothing her browser sent, received, stored or showed carries a Nomos access token

  # ------------------------------------------------- one link, once, briefly

  @browser @security @REQ-SSO-09
  Scenario Outline: A magic link works only once
    Given Alice has opened her energy account
    When her magic link is opened again <where>
    Then the portal refuses the link
    And no one is signed in to the portal in that browser

    Examples:
      | where                               |
      | in another browser                  |
      | after she signed out of the portal  |

  @browser @security @clock @REQ-SSO-10
  Scenario: A magic link no longer signs in once its lifetime is over
    Given the partner backend has minted a magic link for Alice
    When the magic link's lifetime has passed
    And Alice opens the magic link
    Then the portal refuses the link
    And no one is signed in to the portal in that browser

  @browser @clock @REQ-SSO-10
  Scenario: A magic link still signs in shortly before its lifetime is over
    Given the partner backend has minted a magic link for Alice
    When most of the magic link's lifetime has passed
    And Alice opens the magic link
    Then she sees her account hub with her name

  @browser @security @REQ-SSO-11
  Scenario Outline: A tampered or invented magic link signs no one in
    Given the partner backend has minted a magic link for Alice
    When Alice opens <forged link>
    Then the portal refuses the link
    And no one is signed in to the portal in that browser

    Examples:
      | forged link                                             |
      | the magic link with one character of its token changed |
      | the magic link with its token cut short                 |
      | a link with an invented token                           |

  # ------------------------------------------------------- the portal session

  @browser @clock @REQ-SSO-08
  Scenario: A later visit in the same browser is still signed in, without a new link
    Given Alice has opened her energy account
    And half of the portal session's lifetime has passed
    When Alice returns to her account hub in the same browser
    Then she sees her account hub with her name

  @browser @clock @REQ-SSO-08
  Scenario: The portal session ends when its lifetime is over
    Given Alice has opened her energy account
    When the portal session's lifetime has passed
    And Alice returns to her account hub in the same browser
    Then she sees the portal's signed-out page

  @browser @REQ-SSO-15
  Scenario: Signing out in one browser leaves a magic-link session in another signed in
    Given Alice has opened her energy account on her laptop
    And Alice has opened her energy account on her phone
    When she signs out of the portal on her laptop
    Then her laptop is signed out of the portal
    And her phone is still signed in to the portal

  @browser @clock @REQ-SSO-15
  Scenario: A session expiring in one browser does not end a magic-link session in another
    Given Alice has opened her energy account on her laptop
    And half of the portal session's lifetime has passed
    And Alice has opened her energy account on her phone
    When her laptop's portal session expires
    Then her laptop is signed out of the portal
    And her phone is still signed in to the portal
