# Flow
# Alice -> Partner app: asks to connect her heat pump or solar panels
# Partner backend -> NOX API: starts a link session for Alice with the partner's key
# Partner app -> Alice: sends the browser to NOX's Authenticator UI
# Alice -> NOX: chooses the brand of her device
# NOX -> Alice: sends the browser to the manufacturer's sign-in page
# Alice -> Manufacturer: signs in with her manufacturer account
# Manufacturer -> Alice: sends the browser back to NOX
# NOX -> Alice: sends the browser to the partner's callback, with the link data
# Partner app -> Alice: checks the data is hers and shows her connected devices

@supplier
Feature: Connecting a heat pump or solar panels from the partner app
  As a customer of the partner, my energy supplier,
  I want to connect my heat pump or solar inverter from the partner's app,
  so that my supplier can steer it to the cheapest and greenest hours.

  The partner backend asks NOX for a link session; NOX's Authenticator UI lets Alice
  choose her device's brand and sign in at that manufacturer, then sends her back to the
  partner with the link data: who she is at NOX, which devices, since when. The session
  lasts 10 minutes, the data is checked to be hers before anything is stored, and
  linking again replaces the device rather than adding a user.

  Background:
    Given Alice is a customer of the partner, her energy supplier
    And Alice uses the partner app signed in with her own account

  # ------------------------------------------------ the partner starts a link session

  @api @smoke @REQ-SUP-01
  Scenario Outline: The partner backend starts linking a device with its key and gets a link to NOX
    When the partner backend starts linking Alice's <device>
    Then NOX answers the partner with a link to its Authenticator UI
    And the answer describes the whole link session

    @hp
    Examples: heat pumps
      | device        |
      | heat pump     |

    @pv
    Examples: solar panels
      | device        |
      | solar panels  |

  @api @REQ-SUP-06
  Scenario: The link session is Alice's, for what the partner asked
    When the partner backend starts linking Alice's heat pump of the partner's usual brand in French
    Then the session is for Alice's account at the partner behind the key
    And the session is for her heat pump of that brand, returning to the partner's callback, in French

  @api @REQ-SUP-06
  Scenario: A link session started without a language is in Dutch, with no brand chosen yet
    When the partner backend starts linking Alice's heat pump
    Then the session is in Dutch
    And the session has no brand chosen yet

  @api @REQ-SUP-07
  Scenario: A new link session is open for 10 minutes from now and not yet completed
    When the partner backend starts linking Alice's solar panels
    Then the link session is open for 10 minutes from now and not yet completed

  @api @security @REQ-SUP-02
  Scenario Outline: NOX starts no link session for a supplier it cannot identify
    When the partner backend starts linking Alice's heat pump <credential>
    Then NOX refuses the partner's link session as unauthorised
    And the partner gets no link to the Authenticator UI

    Examples:
      | credential                  |
      | without its key             |
      | with a wrong key            |
      | with the manufacturer's key |

  @api @REQ-SUP-03
  Scenario Outline: NOX starts no link session for an incomplete or invalid request
    When the partner backend starts linking Alice's heat pump <request>
    Then NOX refuses the partner's link session as invalid input
    And the partner gets no link to the Authenticator UI

    Examples:
      | request                                    |
      | without saying who the user is             |
      | without saying which kind of device        |
      | without a return address                   |
      | for a kind of device NOX does not link     |
      | with a return address that is not an address |
      | with a language NOX does not speak         |
      | with a brand NOX does not know             |
      | with a request that is not JSON            |
      | with a user that is a number               |

  @api @REQ-SUP-04
  Scenario Outline: NOX refuses a brand that does not make that kind of device
    When the partner backend starts linking Alice's <device> of a brand that makes only <other devices>
    Then NOX refuses the partner's link session as invalid input
    And the partner gets no link to the Authenticator UI

    @hp
    Examples: heat pumps
      | device       | other devices |
      | heat pump    | solar panels  |

    @pv
    Examples: solar panels
      | device       | other devices |
      | solar panels | heat pumps    |

  @api @security @REQ-SUP-05
  Scenario: NOX refuses to send the link data anywhere but the partner's registered addresses
    When the partner backend starts linking Alice's heat pump with a return address the partner has not registered
    Then NOX refuses the partner's link session as invalid input
    And the partner gets no link to the Authenticator UI

  # ------------------------------------------------ NOX's Authenticator UI

  @browser @REQ-SUP-08
  Scenario Outline: The link opens NOX and the manufacturer's sign-in in the language asked for
    Given the partner backend has started linking Alice's heat pump in <language>
    When Alice opens the link and chooses the partner's usual brand
    Then the brand picker was in <language>
    And the manufacturer's sign-in page is in <language>

    Examples:
      | language |
      | Dutch    |
      | English  |
      | French   |
      | Spanish  |

  @browser @REQ-SUP-09 @REQ-SUP-01
  Scenario Outline: Connecting a device from the partner app offers only brands of that kind of device
    When Alice asks the partner app to connect her <device>
    Then she is offered the brands that make <device>
    And no brand that makes only <other devices>

    @hp
    Examples: heat pumps
      | device       | other devices |
      | heat pump    | solar panels  |

    @pv
    Examples: solar panels
      | device       | other devices |
      | solar panels | heat pumps    |

  @browser @REQ-SUP-09
  Scenario: A link for a chosen brand goes straight to that manufacturer's sign-in page
    Given the partner backend has started linking Alice's heat pump of the partner's usual brand
    When Alice opens the link
    Then she sees that manufacturer's sign-in page without choosing a brand

  # ------------------------------------------------ signing in at the manufacturer

  @browser @smoke @REQ-SUP-10
  Scenario Outline: After signing in at the manufacturer, Alice is back at the partner with the link data
    Given Alice has opened a link to connect her <device>
    When Alice chooses <which brand> and signs in there
    Then she is back at the partner's callback with the link data

    @hp
    Examples: heat pumps
      | device       | which brand                        |
      | heat pump    | the partner's usual brand          |
      | heat pump    | a brand that asks for its terms    |

    @pv
    Examples: solar panels
      | device       | which brand                        |
      | solar panels | the partner's usual brand          |
      | solar panels | a brand that asks for its terms    |

  @browser @security @REQ-SUP-10
  Scenario: A manufacturer that asks for its terms refuses a sign-in without them
    Given Alice has opened a link to connect her heat pump
    When Alice chooses a brand that asks for its terms and signs in there without accepting them
    Then the manufacturer refuses the sign-in
    And she is not sent back to the partner

  @browser @security @REQ-SUP-10
  Scenario: The manufacturer refuses a wrong password
    Given Alice has opened a link to connect her heat pump
    When Alice chooses the partner's usual brand and signs in there with a wrong password
    Then the manufacturer refuses the sign-in
    And she is not sent back to the partner

  @browser @REQ-SUP-11
  Scenario Outline: The link data is compact, well-formed and describes what was linked
    Given Alice has opened a link to connect her <device>
    When Alice chooses the partner's usual brand and signs in there
    Then the link data is base64url without padding
    And the link data names Alice, her NOX user, the brand she chose and her devices
    And the link data says it was connected after the session was created

    @hp
    Examples: heat pumps
      | device       |
      | heat pump    |

    @pv
    Examples: solar panels
      | device       |
      | solar panels |

  @browser @security @REQ-SUP-10 @REQ-SUP-11
  Scenario: A manufacturer sign-in made for one link cannot complete another
    Given Alice has opened a link to connect her heat pump
    And the partner backend has started another link for Alice's heat pump
    When Alice's manufacturer sign-in comes back to NOX for the other link
    Then NOX refuses the link as invalid
    And she is not sent back to the partner

  # ------------------------------------------------ time and reuse

  @browser @security @clock @REQ-SUP-12
  Scenario: Signing in at the manufacturer more than 10 minutes after the link was made does not connect
    Given Alice has opened a link to connect her heat pump
    And Alice has chosen the partner's usual brand
    When the link's lifetime has passed
    And Alice signs in at the manufacturer
    Then NOX refuses the link as expired
    And she is not sent back to the partner

  @browser @security @clock @REQ-SUP-12
  Scenario: A link opened more than 10 minutes after it was made is refused
    Given the partner backend has started linking Alice's heat pump
    And the link's lifetime has passed
    When Alice opens the link
    Then NOX refuses the link as expired

  @browser @security @REQ-SUP-12
  Scenario: A link that was completed cannot be used again
    Given Alice has connected her heat pump through a link
    When Alice opens the same link again
    Then NOX refuses the link as completed
    And she is not sent back to the partner

  @browser @REQ-SUP-13
  Scenario: Linking again with another account of the same brand replaces the device
    Given Alice has connected her heat pump with her first account at the partner's usual brand
    When Alice connects her heat pump again with her second account at that brand
    Then the link data names the same NOX user and the same Alice as before
    And the link data names only the second account's device
    And her devices show the second account's device and not the first one's

  @pending @REQ-SUP-14
  Scenario: One device linked under two partner users ends with only the last one
    NOX documents that when one device's owner links it under two supplier user ids,
    only the last user remains on NOX's side. No endpoint NOX offers a supplier shows
    which supplier users NOX keeps, so nothing the partner can see proves or disproves
    it. This stays pending until NOX publishes such an endpoint.

    Given Alice has connected her heat pump through a link
    When Bob connects the same heat pump with the same manufacturer account
    Then NOX keeps only Bob as the user of that heat pump

  # ------------------------------------------------ the partner's callback

  @browser @smoke @REQ-SUP-15
  Scenario Outline: Alice connects her device from the partner app and sees it among her devices
    Given Alice's <device> of the partner's usual brand is connected with her second account there
    When Alice asks the partner app to connect her <device>
    And Alice chooses the partner's usual brand and signs in there
    Then she sees her devices at the partner, with the device she just connected in place of the earlier one

    @hp
    Examples: heat pumps
      | device       |
      | heat pump    |

    @pv
    Examples: solar panels
      | device       |
      | solar panels |

  @browser @security @REQ-SUP-16
  Scenario Outline: The partner refuses link data that is broken, and stores nothing
    When link data <defect> arrives at the partner's callback in Alice's browser
    Then the partner says the device was not connected
    And the partner does not fail with a server error
    And none of the devices in that data are among Alice's devices

    Examples:
      | defect                                   |
      | that is not base64url                    |
      | that is base64url but not JSON           |
      | that is JSON but not an object           |
      | without devices                          |
      | whose devices are not a list             |
      | without a NOX user                       |
      | whose connection time is not a number    |
      | with base64 padding                      |

  @browser @security @REQ-SUP-16
  Scenario: The partner refuses link data made for another of its users, and stores nothing
    When link data made for Bob arrives at the partner's callback in Alice's browser
    Then the partner says the device was not connected
    And the partner does not fail with a server error
    And none of the devices in that data are among Alice's devices
