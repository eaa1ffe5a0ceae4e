"""The words of the demo company: its staff, request types, and what customers and agents say.

Kept apart from `honeydesk.demo.company` (which replays the stories through the real actions)
so the generator logic stays readable; these tables are data, not behaviour.
"""

from __future__ import annotations

from typing import Any

from honeydesk.accounts.models import Role

# Hand-aligned tables: formatting them one item per line would triple the file.
# fmt: off
DEPARTMENTS = [("Billing", "billing"), ("Repair", "repair"), ("Sales", "sales"), ("Retention", "retention")]
STAFF = [  # username, first name, last name, role, departments
    ("maria", "Maria", "Gonzalez", Role.AGENT, ["billing"]),
    ("james", "James", "Okafor", Role.AGENT, ["billing", "retention"]),
    ("priya", "Priya", "Shah", Role.AGENT, ["repair"]),
    ("tom", "Tom", "Becker", Role.AGENT, ["repair"]),
    ("lena", "Lena", "Novak", Role.AGENT, ["sales", "retention"]),
    ("diane", "Diane", "Reyes", Role.SUPERVISOR, ["billing", "sales", "retention"]),
    ("marcus", "Marcus", "Hill", Role.SUPERVISOR, ["repair"]),
    ("admin", "Alex", "Chen", Role.ADMIN, []),
]


def _need(key: str, label: str, pattern: str, required: bool, help: str) -> dict[str, Any]:
    return {"key": key, "label": label, "pattern": pattern, "required": required, "help": help}


DATE, MONEY = r"^\d{4}-\d{2}-\d{2}$", r"^\$?\d{1,5}(\.\d{2})?$"
ACCT = _need("account_number", "Account number", r"^\d{8}$", True, "The 8 digits at the top right of every bill.")
STMT = _need("statement_date", "Statement date", DATE, True, "The date printed on the bill (YYYY-MM-DD).")
AMOUNT = _need("amount", "Amount in question", MONEY, False, "The charge you mean, e.g. 24.99.")
CREDIT = _need("amount", "Credit you are asking for", MONEY, True, "An amount, e.g. 30.00.")
ORDER = _need("order_number", "Order number", r"^ORD-\d{6}$", True, "In your order confirmation, e.g. ORD-123456.")
TRACK = _need("tracking_number", "Tracking number", r"^1Z[0-9A-Z]{16}$", False, "From the shipping e-mail; starts 1Z.")
SINCE = _need("since_date", "Since when", DATE, False, "The day the problem started (YYYY-MM-DD).")
OUTAGE = _need("outage_dates", "Dates without service", r"^\d{4}-\d{2}-\d{2}( to \d{4}-\d{2}-\d{2})?$", True,
               "First and last day, e.g. 2025-03-02 to 2025-03-04.")
SERVICES = _need("services", "Services to add or remove", "", True, "For example: remove Home Phone, add TV Plus.")
ADDRESS = _need("service_address", "Service address", "", True, "Where the service is, or will be.")
END = _need("end_date", "Last day of service", DATE, True, "The day you want service to end (YYYY-MM-DD).")
WHEN = _need("contact_date", "Date of the call or visit", DATE, True, "When it happened (YYYY-MM-DD).")
REP = _need("rep_name", "Representative's name", "", False, "If you know it; a first name is enough.")

REQUEST_TYPES = [  # slug, intake category, name, department, best channel, why (shown to customers), what to have ready
    ("billing-explanation", "billing_explanation", "Explain my bill", "billing", "write",
     "A bill is easiest to explain in writing, line by line, so you can check each charge against your statement.",
     [ACCT, STMT, AMOUNT]),
    ("price-quote", "price_quote", "Price quote", "sales", "write",
     "Price quotes are best in writing so you have the figures on record.", [ADDRESS, SERVICES]),
    ("plan-change", "plan_change", "Change plan / add or remove a service", "sales", "write",
     "Changes to your services are best in writing, so the new price and start date are on record.",
     [ACCT, SERVICES]),
    ("repair", "repair_outage", "Repair or technical problem", "repair", "call",
     "Troubleshooting goes fastest by phone: we can test your line while you are next to the equipment.",
     [ACCT, SINCE]),
    ("outage", "", "Report an outage", "repair", "write",
     "A short written report is enough: we match it to known outages in your area and tell you when it is fixed.",
     [ACCT, SINCE]),
    ("credit-request", "credit_request", "Credit or refund request", "billing", "call",
     "Credit requests go best by phone: we review the account with you and agree the amount on the call, "
     "and it is put on record.", [ACCT, CREDIT, OUTAGE]),
    ("order-tracking", "order_tracking", "Order or delivery tracking", "sales", "write",
     "Writing lets us send you tracking links and delivery slots you can keep.", [ORDER, TRACK]),
    ("cancellation", "cancellation", "Cancel a service", "retention", "call",
     "Cancelling is quickest by phone: final bill, equipment return and any early-termination charge on one call.",
     [ACCT, END]),
    ("account-access", "account_access", "Account access and login", "billing", "call",
     "We need to confirm who you are before we change access, which is quickest on a call.", [ACCT]),
    ("complaint", "complaint_about_service_rep", "Complaint about a representative", "retention", "write",
     "Writing it down lets us pass your exact words to a supervisor and keep them on record.", [ACCT, WHEN, REP]),
    ("general", "general_question", "General question", "sales", "write",
     "Most questions are answered fastest in writing, with links you can keep.", []),
]
TYPE_WEIGHTS = {"billing-explanation": 16, "repair": 16, "outage": 8, "credit-request": 10, "plan-change": 10,
                "price-quote": 8, "order-tracking": 7, "cancellation": 7, "account-access": 5, "complaint": 5,
                "general": 8}

# Per request type: (subject, the customer's first message, their goal)
SCENARIOS: dict[str, list[tuple[str, str, str]]] = {
    "billing-explanation": [
        ("Bill went up by {amount} this month", "Hi, my bill dated {date} is {amount2} but it has always been "
         "{amount3}. Nobody told me about a price change. What are the new charges?",
         "Understand the new charges, and back to my usual price if it is a mistake."),
        ("Charged twice for {service}", "My statement from {date} shows {service} twice, two lines of {amount} each. "
         "I only have one {service}. Please fix this.", "Remove the duplicate charge and refund it."),
        ("What is the 'Network Access Fee'?", "There's a line on my bill called Network Access Fee for {amount}. "
         "I never agreed to that. What is it and why am I paying it?", "A clear explanation; remove it if I never "
         "agreed to it."),
        ("Late fee even though I paid on time", "I paid on {date} like every month and still got a late fee of "
         "{amount}. My bank shows the payment went through the same day.", "Remove the late fee."),
        ("Promo price ended without notice", "My 12-month promotion ended and the bill jumped to {amount2}. I was "
         "never told it was ending. Can you explain the bill and what options I have?", "Keep a price close to "
         "what I paid before."),
    ],
    "price-quote": [
        ("Quote for Internet 1000 with TV Plus", "We're setting up a home office. What would Internet 1000 with "
         "TV Plus cost per month, including equipment and any installation fee?", "A written quote with the "
         "monthly total and one-off fees."),
        ("How much for a second TV box?", "We'd like TV in the bedroom too. What does a second box cost per month "
         "and is there a fee to install it?", "The price of a second box in writing."),
        ("Business internet for our shop", "We run a small shop at {street}. What would business internet with a "
         "static IP cost? We need it by the end of the month.", "A written price and an install date."),
        ("Price for moving my service", "I'm moving to {street} on {date}. What will it cost to move Internet and "
         "TV to the new address?", "Know the moving cost before I book."),
    ],
    "plan-change": [
        ("Please remove Home Phone", "We never use the landline any more. Please remove Home Phone from account "
         "{acct} from the next bill.", "Home Phone removed, with the new monthly price confirmed in writing."),
        ("Upgrade to Internet 1000", "The kids are streaming and gaming at the same time and 300 is not enough. "
         "Please upgrade us to Internet 1000 and tell me the new monthly price.", "Faster internet at a known "
         "price."),
        ("Add the sports package", "Please add the Sports Pack to my TV before the season starts.",
         "Sports Pack active before the first game."),
        ("Downgrade TV to Basic", "Money is tight right now. Please move my TV to TV Basic. What will the bill be "
         "after that?", "A lower bill, confirmed in writing."),
    ],
    "repair": [
        ("Internet keeps dropping every evening", "Since {date} my internet drops every evening around 8pm. I've "
         "restarted the modem a dozen times. I work from home and this is costing me.", "Stable internet in the "
         "evenings."),
        ("TV box shows 'No signal'", "The TV box in the living room says No signal on every channel since "
         "{date}. I've checked all the cables.", "Working TV."),
        ("No dial tone on Home Phone", "Our Home Phone has had no dial tone since {date}. My mother is 84 and "
         "relies on it for emergencies.", "A working phone line as soon as possible."),
        ("Technician didn't show up", "I took a day off for the repair visit between 8 and 12 on {date}. Nobody "
         "came and nobody called. This is the second time.", "A technician who actually shows up at a time I can "
         "rely on."),
        ("Wi-Fi very slow upstairs", "Downstairs I get the full speed but upstairs Wi-Fi is barely 20 Mbps. "
         "We pay for {service}.", "Usable Wi-Fi in the whole house."),
        ("Modem lights blinking orange", "The modem has been blinking orange since {date} and there's no internet "
         "at all. I already unplugged it for a minute.", "Internet working again."),
    ],
    "outage": [
        ("Internet down in {area}", "No internet since early this morning. Several neighbours on our street are "
         "down too.", "Service back, and to know when."),
        ("TV and internet both out", "Both TV and internet went out about an hour ago. The modem shows no signal.",
         "Both services back today."),
        ("Outage again - third time this month", "Internet is down AGAIN. This is the third outage in {area} this "
         "month. What is going on?", "A permanent fix, not another restart."),
    ],
    "credit-request": [
        ("Credit for three days without internet", "We had no internet from {date} for three days during the "
         "outage in {area}. I'd like a credit for those days.", "A credit of about {amount} on my next bill."),
        ("Refund for the missed installation", "I took unpaid leave for an installation on {date} and nobody came. "
         "I'd like the installation fee refunded.", "The {amount} installation fee refunded."),
        ("Compensation for the wrong bill", "Your billing error cost me an overdraft fee of {amount}. I'd like that "
         "covered.", "{amount} credited to my account."),
    ],
    "order-tracking": [
        ("Where is my new modem?", "I ordered a replacement modem ({order}) a week ago and tracking {tracking} "
         "hasn't moved in four days.", "The modem delivered, or a date I can count on."),
        ("Order shows delivered but nothing arrived", "Order {order} says delivered on {date} but there's nothing "
         "at my door or with the neighbours.", "The equipment, or a replacement shipped."),
        ("Return label for old equipment", "I upgraded last week and need to send back the old TV box (order "
         "{order}). Where do I get a return label?", "A prepaid return label."),
    ],
    "cancellation": [
        ("Cancel all services - moving abroad", "I'm moving abroad next month. Please cancel everything on account "
         "{acct} from my moving date and tell me how to return the equipment.", "Everything cancelled from my "
         "move date, final bill and equipment return sorted."),
        ("I want to cancel", "After three outages and a wrong bill I'm done. Cancel everything.", "Cancel, unless "
         "someone can actually fix this."),
        ("Cancel TV, keep internet", "We only watch streaming now. Please cancel TV from the end of this billing "
         "period and keep the internet. Is there an early-termination fee?", "TV gone with no surprise fees."),
    ],
    "account-access": [
        ("Can't log in to my account", "The portal says my password is wrong and the reset e-mail never arrives.",
         "Get back into my account."),
        ("Add my partner as an authorised user", "Please add my partner to account {acct} so they can call about "
         "the bill too.", "My partner can manage the account."),
        ("Change the e-mail on my account", "I no longer use my old e-mail address. How do I change the address "
         "you send bills to?", "Bills going to my new address."),
    ],
    "complaint": [
        ("Rude representative on the phone", "I called on {date} about my bill and the rep ({rep}) talked over me "
         "and hung up when I asked for a supervisor. I've been a customer for 11 years.", "An apology, and someone "
         "who will actually deal with the bill."),
        ("Promised call-back never happened", "{rep} promised to call me back on {date} with an answer. Nobody "
         "called. I had to start all over again today.", "Someone who keeps their word, and an answer."),
        ("I was given wrong information", "On {date} I was told the upgrade was free. Now my bill is {amount} "
         "higher. The person I spoke to was {rep}.", "The price I was promised."),
    ],
    "general": [
        ("Do you offer service in {area}?", "My daughter is moving to {area}. Is Brightwave internet available "
         "there?", "Know whether she can sign up."),
        ("How do I switch to paperless billing?", "I'd like to stop getting paper bills. How do I switch?",
         "E-mail bills only."),
        ("Can I change my bill due date?", "My salary comes on the 25th; can the bill be due after that?",
         "A due date after the 25th."),
        ("Parental controls on the TV box", "How do I set a PIN for adult channels on the TV box?", "A PIN on "
         "the box."),
    ],
}
RESOLUTIONS: dict[str, list[str]] = {
    "billing-explanation": [
        "Explained each line of the {date} statement. The increase is the promotion ending; we applied a "
        "12-month loyalty discount of {amount} a month.",
        "Removed the duplicate charge of {amount}; the refund shows on the next bill.",
        "Removed the late fee of {amount}: the payment arrived on time and a posting delay caused the fee.",
    ],
    "price-quote": ["Sent a written quote: monthly total, equipment and installation itemised, valid 30 days.",
                    "Quote sent in writing; the customer will reply to book the installation."],
    "plan-change": ["Change made from the next billing period; new monthly price confirmed in writing.",
                    "Service updated today; written confirmation with the new price sent."],
    "repair": ["Technician replaced the tap and the modem; line tests are clean for 48 hours.",
               "A remote reset of the line and a new modem profile fixed the drops; the customer confirmed.",
               "Replaced the TV box; all channels back. No charge for the swap."],
    "outage": ["Area outage in {area} fixed (damaged fibre node); service confirmed back.",
               "Service restored after the node repair in {area}; the customer confirmed it works."],
    "credit-request": ["Credit of {amount} applied, matching the outage on record for {area}.",
                       "Partial credit of {amount} agreed on the call and applied."],
    "order-tracking": ["The carrier misrouted the parcel; a replacement went out by express and was delivered.",
                       "Prepaid return label sent by e-mail."],
    "cancellation": ["Services cancelled as requested; final bill and equipment return instructions sent.",
                     "The customer chose to stay, with a loyalty discount of {amount} a month for 12 months."],
    "account-access": ["Identity confirmed on the call; password reset and login tested with the customer.",
                       "Contact details updated after an identity check."],
    "complaint": ["A supervisor called the customer, apologised and fixed the underlying bill; coaching logged.",
                  "Apologised, honoured the price that was promised and credited the difference."],
    "general": ["Answered; the customer is happy with the answer.", "Explained the steps and made the change."],
}
NOTES: dict[str, list[str]] = {
    "billing-explanation": ["Billing history: the promo ended on the {date} cycle and no reminder letter went out. "
                            "Our miss, not theirs.", "The duplicate line comes from the plan migration batch."],
    "repair": ["Line test: high noise on the drop, SNR 28 dB. Booking a tech.",
               "Modem firmware two versions behind; pushed an update remotely."],
    "outage": ["Matches the open network incident for {area}; field team ETA is 4 hours."],
    "credit-request": ["Outage on record for {area} on those dates, so the credit is eligible under policy.",
                       "No outage on record for the dates given; first request, check with the customer."],
    "cancellation": ["Nine-year customer, eligible for the loyalty offer.",
                     "Early-termination fee would be {amount}; explain it before they decide."],
    "complaint": ["Listened to the call recording; the rep did interrupt. Flagged for coaching."],
}
GENERIC_NOTES = ["Customer sounds frustrated; give a concrete time at the next contact.",
                 "Checked the account: no arrears, no open orders.",
                 "Checked the account history: first contact about this issue.",
                 "Customer prefers e-mail during work hours."]
FRUSTRATED = ["This is the third time I'm contacting you about this.", "Honestly, I'm running out of patience.",
              "I've already spent over an hour on hold.", "If this isn't sorted this week I'll switch providers.",
              "Why is it so hard to get a straight answer?"]
ANGRY = ["This is ridiculous. NOBODY at your company seems to care.",
         "I am DONE being passed from one person to the next. Fix it or I'm reporting you to the regulator.",
         "Unbelievable. I pay every month on time and this is the service I get?!"]
CHASES = ["Any update on this? It's been a while.", "Can someone please call me back about this? I'm free after 5pm.",
          "I still haven't heard anything back. Is anyone looking at this?"]
AFTER_REPLY = ["OK, that makes sense. Thanks for explaining.", "Thanks. I'll wait for your update then.",
               "Thanks for getting back to me. Please keep me posted."]
TECH_TYPES = {"repair", "outage"}
TECH_FOLLOW_UPS = ["Still not working, same as before.",
                   "That helped for a day, and now it's back to the same problem."]
ANSWERS = ["Here is the {label} you asked for: {value}.", "Sorry for the delay - the {label} is {value}."]
REOPEN_MESSAGES = ["Sorry, I have to come back to this: it isn't sorted after all.",
                   "I was told this was done, but nothing has changed on my side."]
REOPEN_BY_TYPE = {"repair": ["Sorry, the problem is back since yesterday.",
                             "It worked for two days and now it's doing the same thing again."],
                  "credit-request": ["The credit isn't on my new bill like you said it would be."],
                  "billing-explanation": ["The charge is still on this month's statement."]}
LINKED_MESSAGES = ["Hi, this is about my earlier case. The same thing happened again this month.",
                   "Following up on my old case: the problem has come back."]
AGENT_REPLIES = [
    "Hi {first}, thank you for letting us know, and I'm sorry for the trouble. I've taken this on and I'm "
    "looking at your account now. I'll get back to you {when} with what I find. - {agent}",
    "Hi {first}, I understand how frustrating this is, especially after waiting. I'm on it personally: I've "
    "checked the account and I'll update you {when}. - {agent}",
    "Hello {first}, thanks for your patience. I've found what caused this and I'm fixing it now; you'll have "
    "a confirmation from me {when}. - {agent}",
    "Hi {first}, thanks for the details, that helps a lot. I've done the checks on my side and I'll call or "
    "write {when} with the next step. - {agent}",
]
ASKS = ["Hi {first}, to sort this out properly I need one more thing: {need}. Could you reply with it? I'll pick "
        "it up as soon as it arrives. - {agent}",
        "Hi {first}, could you please confirm {need}? Once I have it I can finish this for you. - {agent}"]
RESOLVE_REPLIES = ["Hi {first}, good news: {resolution} If anything still isn't right, just reply here and it "
                   "comes straight back to me. - {agent}",
                   "Hi {first}, this is done. {resolution} Thank you for bearing with us. - {agent}"]
CALLS_IN = ["{first} called for an update. Explained where things stand; promised an update {when}.",
            "{first} called, upset that nothing has happened yet. Apologised and confirmed the next step."]
CALLS_OUT = ["Called {first} to talk it through; they're happy with the explanation and the next step.",
             "Called {first}, no answer. Left a voicemail with the case reference and a call-back number.",
             "Called {first} to confirm the fix; all good on their side."]
ESCALATIONS_STAFF = ["Customer asked for a supervisor; they feel nobody is taking ownership.",
                     "Customer is very upset and mentions going to the regulator; please review the account.",
                     "Third contact about the same issue without a fix; needs a supervisor to own it."]
CREDIT_ESCALATIONS = ["A credit of {amount} is above my authority; needs a supervisor's decision."]
CREDIT_TYPES = {"credit-request", "billing-explanation", "complaint"}
ESCALATIONS_CUSTOMER = ["I'd like to speak to a supervisor please. I've explained this three times now.",
                        "Please pass this to a manager. I want someone who can actually decide."]
TAKEN_NOTES = ["Reviewed the whole account. Calling the customer myself today.",
               "Took this over: agreed the next step with the customer, I'll follow it through."]
HANDBACKS = ["Spoke with the customer and agreed the plan; back to {agent} to follow through.",
             "Approved the exception; {agent} will apply it and confirm to the customer."]
NEXT_STEP = {"billing": "check the charges and apply any credit due",
             "repair": "run a line test and book a technician if needed",
             "sales": "quote the change and confirm the price in writing",
             "retention": "the customer is thinking of leaving; review loyalty offers before they decide"}
TRANSFER_TO = {"billing-explanation": ["retention", "repair"], "price-quote": ["billing"], "plan-change": ["billing"],
               "repair": ["billing", "sales"], "outage": ["billing"], "credit-request": ["retention", "repair"],
               "order-tracking": ["repair", "billing"], "cancellation": ["billing", "sales"],
               "account-access": ["sales"], "complaint": ["billing", "repair"], "general": ["billing", "repair"]}
WHEN_PHRASES = ["by tomorrow noon", "by end of day today", "by Friday", "within two hours", "tomorrow morning"]

FIRST = ["Emily", "Daniel", "Sofia", "Marcus", "Aisha", "Liam", "Chloe", "Noah", "Grace", "Ethan", "Hannah",
         "Omar", "Isabel", "Lucas", "Mei", "Samuel", "Zoe", "Andre", "Fatima", "Ryan", "Olivia", "Kenji", "Nora",
         "Victor", "Leila", "Patrick", "Ruth", "Diego", "Ingrid", "Kwame", "Rosa", "Henry", "Amara", "Felix",
         "Julia", "Tariq", "Megan", "Pavel", "Lucy", "George"]
LAST = ["Carter", "Nguyen", "Patel", "Johnson", "Kowalski", "O'Brien", "Haddad", "Silva", "Schmidt", "Brown",
        "Kim", "Mensah", "Rossi", "Lindqvist", "Fischer", "Morales", "Walsh", "Tanaka", "Dubois", "Ahmed",
        "Murphy", "Jensen", "Costa", "Okoye", "Park", "Bennett", "Ivanova", "Reid", "Hughes", "Vargas"]
BUSINESSES = ["Harbor Street Bakery", "Lakeshore Dental", "Mill Creek Hardware", "Old Town Books", "Hillcrest Yoga",
              "Riverside Auto Repair"]
AREAS = ["Northside", "Riverside", "Old Town", "Hillcrest", "Lakeshore", "Eastgate", "Westfield", "Mill Creek"]
STREETS = ["Maple Avenue", "Harbor Street", "Elm Road", "Station Road", "Birch Lane", "Market Street"]
MAIL = ["mail.example", "inbox.example", "post.example", "webmail.example"]
AREA_CODES = ["415", "510", "650", "707", "925", "408"]
# fmt: on
