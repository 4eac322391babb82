# Flow
# Alice -> Partner app: connects her heat pump in her language
# NOX -> Alice: completes the link, sends her back to the partner
# Alice -> NOX: opens the same link again
# NOX -> Alice: refuses it, in the language the link was made in

@supplier @sweep
Feature: NOX refuses a used link in the customer's own language
  As a customer who speaks French, Spanish, English or Dutch,
  I want NOX to tell me in my language why a link no longer works,
  so that I understand what happened and what to do next.

  Every refusal a customer sees is in the language the flow asked for. Refusals of a
  link that was never valid or has expired are checked over HTTP by the sweep; this one
  needs a link completed at the manufacturer first, so it goes through the browser.

  Background:
    Given Alice is a customer of the partner, her energy supplier
    And Alice uses the partner app signed in with her own account

  @browser @security @REQ-SEC-18
  Scenario Outline: A link already used is refused in the language it was made in
    Given Alice has connected her heat pump through a link in <language>
    When Alice opens the same link again
    Then NOX refuses the link as completed
    And NOX's refusal is in <language>

    Examples:
      | language |
      | Dutch    |
      | English  |
      | French   |
      | Spanish  |
