"""A believable demo company, written through the real actions.

`build()` creates Brightwave, a cable, internet and phone provider: four departments,
eight staff, request types with what to have ready and the best channel, about sixty
customer accounts, and cases in every status spread over the last 90 days. Each case's
history is replayed through `honeydesk.cases.actions` inside `clock.at(moment)`, so every
row (timeline entries, escalations, owners, first-response and resolution times) is
written exactly as the live system writes it. Deterministic for a given seed and day.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from unittest import mock

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from honeydesk.accounts.actions import ContactData, do_create_account
from honeydesk.accounts.models import Contact, ContactPoint, CustomerAccount, Department, Role, User
from honeydesk.cases import actions as act
from honeydesk.cases import notify
from honeydesk.cases.models import Case, Channel, Escalation, RequestType, Status, TimelineEntry
from honeydesk.lib import clock

PASSWORD = "demo"
DOMAIN = "brightwave.example"
PORTAL_CUSTOMERS = 10

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

REQUEST_TYPES = [  # slug, name, department, best channel, why (shown to customers), what to have ready
    ("billing-explanation", "Explain my bill", "billing", "write",
     "A bill is easiest to explain in writing, line by line, so you can check each charge against your statement.",
     [ACCT, STMT, AMOUNT]),
    ("price-quote", "Price quote", "sales", "write",
     "Price quotes are best in writing so you have the figures on record.", [ADDRESS, SERVICES]),
    ("plan-change", "Change plan / add or remove a service", "sales", "write",
     "Changes to your services are best in writing, so the new price and start date are on record.",
     [ACCT, SERVICES]),
    ("repair", "Repair or technical problem", "repair", "call",
     "Troubleshooting goes fastest by phone: we can test your line while you are next to the equipment.",
     [ACCT, SINCE]),
    ("outage", "Report an outage", "repair", "write",
     "A short written report is enough: we match it to known outages in your area and tell you when it is fixed.",
     [ACCT, SINCE]),
    ("credit-request", "Credit or refund request", "billing", "call",
     "Credit requests go best by phone: we review the account with you and agree the amount on the call, "
     "and it is put on record.", [ACCT, CREDIT, OUTAGE]),
    ("order-tracking", "Order or delivery tracking", "sales", "write",
     "Writing lets us send you tracking links and delivery slots you can keep.", [ORDER, TRACK]),
    ("cancellation", "Cancel a service", "retention", "call",
     "Cancelling is quickest by phone: final bill, equipment return and any early-termination charge on one call.",
     [ACCT, END]),
    ("account-access", "Account access and login", "billing", "call",
     "We need to confirm who you are before we change access, which is quickest on a call.", [ACCT]),
    ("complaint", "Complaint about a representative", "retention", "write",
     "Writing it down lets us pass your exact words to a supervisor and keep them on record.", [ACCT, WHEN, REP]),
    ("general", "General question", "sales", "write",
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

# Share of cases ending in each status (closed takes the rest).
STATUS_SHARE = [(Status.NEW, 0.10), (Status.OPEN, 0.18), (Status.PENDING, 0.10), (Status.RESOLVED, 0.16)]
# Natural gap before each step, in minutes: mean of an exponential, and a cap.
GAPS = {"open": (0, 0), "take": (40, 600), "assign": (60, 600), "reply": (150, 2880), "customer": (600, 4320),
        "note": (30, 600), "call_out": (180, 2880), "ask": (120, 2880), "transfer": (200, 2880),
        "escalate": (180, 2880), "take_escalation": (90, 1440), "handback": (60, 1440), "resolve": (240, 4320),
        "reopen": (2500, 12000), "set_pending": (3, 10), "wait_escalation": (120, 2880)}
CUSTOMER_STEPS = {"open", "customer", "reopen", "wait_escalation"}
# fmt: on


@dataclass
class Result:
    counts: dict[str, int]
    logins: list[tuple[str, str, str]]


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, role, name) of the demo logins present in the database."""
    staff = User.objects.filter(username__in=[s[0] for s in STAFF]).exclude(role=Role.CUSTOMER)
    customers = User.objects.filter(role=Role.CUSTOMER, contacts__isnull=False, email__endswith=".example")
    order: dict[str, int] = {Role.ADMIN: 0, Role.SUPERVISOR: 1, Role.AGENT: 2, Role.CUSTOMER: 3}
    found = sorted({*staff, *customers.distinct()}, key=lambda u: (order.get(u.role, 9), u.username))
    return [(u.username, u.role, u.display_name) for u in found if u.has_usable_password()]


def build(*, seed: int = 2024, cases: int = 300, now: datetime | None = None) -> Result:
    """Create the demo company in one transaction. The caller checks that there are no cases yet."""
    if cases < len(Status.values):
        raise ValueError(f"The demo needs at least {len(Status.values)} cases, one in each status.")
    builder = _Builder(seed, now or clock.now())
    with _mail_suppressed(), transaction.atomic():
        builder.company()
        builder.customers()
        builder.cases(cases)
    return Result(builder.counts(), demo_logins())


@contextmanager
def _mail_suppressed() -> Iterator[None]:
    """Replayed history must not mail anybody, now or later: the actions' notifications
    (queued as mail jobs by the e-mail channel) are not queued at all while the demo runs."""
    with ExitStack() as stack:
        for name in ("case_opened", "reply_sent", "status_changed", "escalated", "_queue"):
            stack.enter_context(mock.patch.object(notify, name, lambda *args, **kwargs: None))
        yield


class _Builder:
    def __init__(self, seed: int, now: datetime):
        self.seed, self.rng, self.now = seed, random.Random(seed), now
        self.password = make_password(PASSWORD)  # hashed once: the hasher is slow on purpose

    def company(self) -> None:
        self.depts = {
            slug: Department.objects.get_or_create(
                slug=slug, defaults={"name": name, "email_from": f"{slug}@{DOMAIN}"}
            )[0]
            for name, slug in DEPARTMENTS
        }
        self.staff: dict[str, User] = {}
        for username, first, last, role, depts in STAFF:
            admin = role == Role.ADMIN
            user, created = User.objects.get_or_create(
                username=username,
                defaults=dict(first_name=first, last_name=last, email=f"{username}@{DOMAIN}", role=role,
                              password=self.password, is_staff=admin, is_superuser=admin),
            )  # fmt: skip
            if created:
                user.departments.set([self.depts[d] for d in depts])
            self.staff[username] = user
        dept_of = {s[0]: s[4] for s in STAFF}
        self.agents = {
            slug: [u for u in self.staff.values() if u.role == Role.AGENT and slug in dept_of[u.username]]
            for slug in self.depts
        }
        self.supervisors = {
            slug: [u for u in self.staff.values() if u.role == Role.SUPERVISOR and slug in dept_of[u.username]]
            or [u for u in self.staff.values() if u.role == Role.SUPERVISOR]
            for slug in self.depts
        }
        self.types: dict[str, RequestType] = {}
        for slug, name, dept, best, why, needs in REQUEST_TYPES:
            self.types[slug] = RequestType.objects.get_or_create(
                slug=slug,
                defaults=dict(name=name, department=self.depts[dept], best_channel=best, channel_reason=why,
                              needs=needs),
            )[0]  # fmt: skip

    def customers(self, n: int = 60) -> None:
        rng = self.rng
        numbers: set[str] = set()
        emails: set[str] = set()
        phones = [f"+1 {a} 555 01{i:02d}" for a in AREA_CODES for i in range(100)]
        rng.shuffle(phones)
        self.accounts: list[CustomerAccount] = []
        households: list[CustomerAccount] = []
        for i in range(n):
            number = str(rng.randint(10_000_000, 99_999_999))
            while number in numbers:
                number = str(rng.randint(10_000_000, 99_999_999))
            numbers.add(number)
            last = rng.choice(LAST)
            people = [rng.choice(FIRST)]
            if rng.random() < 0.35:
                people.append(rng.choice([f for f in FIRST if f != people[0]]))
            business = BUSINESSES[i // 10] if i % 10 == 9 and i // 10 < len(BUSINESSES) else ""
            contacts = []
            for first in people:
                local = f"{first}.{last}".lower().replace("'", "")
                domain = f"{business.lower().replace(' ', '')}.example" if business else rng.choice(MAIL)
                email, k = f"{local}@{domain}", 2
                while email in emails:
                    email, k = f"{local}{k}@{domain}", k + 1
                emails.add(email)
                contacts.append(ContactData(f"{first} {last}", [email], [phones.pop()]))
            services = [rng.choice(["Internet 100", "Internet 300", "Internet 300", "Internet 500", "Internet 1000"])]
            tv = rng.choice([None, "TV Basic", "TV Plus", "TV Plus", "TV Premium"])
            if tv and not business:
                services += [tv, "Sports Pack"] if rng.random() < 0.2 else [tv]
            if rng.random() < (0.8 if business else 0.35):
                services.append("Home Phone")
            if business and rng.random() < 0.7:
                services.append("Static IP")
            account = CustomerAccount.objects.filter(number=number).first() or do_create_account(
                number=number, name=business or f"{people[0]} {last}", service_area=rng.choice(AREAS),
                services=services, contacts=contacts, acting_user=None,
            )  # fmt: skip
            self.accounts.append(account)
            if not business:
                households.append(account)
        self.contacts: dict[int, list[Contact]] = {}
        for contact in Contact.objects.filter(account__in=self.accounts).prefetch_related("points").order_by("id"):
            self.contacts.setdefault(contact.account_id, []).append(contact)
        self.accounts = [a for a in self.accounts if a.pk in self.contacts]  # an older account may have none
        households = [a for a in households if a.pk in self.contacts]
        # Portal logins for the first contact of some households.
        self.portal: dict[int, User] = {}
        for account in rng.sample(households, min(PORTAL_CUSTOMERS, len(households))):
            contact = self.contacts[account.pk][0]
            first, _, last = contact.name.partition(" ")
            username = base = f"{first}.{last}".lower().replace("'", "")
            while User.objects.filter(username=username).exists():
                username = f"{base}{rng.randint(2, 99)}"
            user = User.objects.create(username=username, first_name=first, last_name=last, role=Role.CUSTOMER,
                                       email=contact.primary_email, password=self.password)  # fmt: skip
            Contact.objects.filter(pk=contact.pk).update(user=user)  # no action links a login to a contact yet
            contact.user = user
            self.portal[account.pk] = user

    def cases(self, n: int) -> None:
        rng, now, day = self.rng, self.now, 86400
        statuses: list[str] = []
        for kind, share in STATUS_SHARE:
            statuses += [kind] * max(1, round(n * share))
        statuses += [Status.CLOSED] * (n - len(statuses))
        rng.shuffle(statuses)
        weights = [3 if a.pk in self.portal else 1 for a in self.accounts]
        plans = []
        for status in statuses:
            created: datetime
            if status == Status.NEW:
                created = now - timedelta(seconds=rng.uniform(600, 4 * day))
            elif status in (Status.OPEN, Status.PENDING):
                created = now - timedelta(seconds=3600 + 40 * day * rng.random() ** 2)
            elif status == Status.RESOLVED:  # resolved within the reopen window, or it would be closed
                created = now - timedelta(seconds=rng.uniform(0.2 * day, 12 * day))
            else:
                created = now - timedelta(seconds=rng.uniform(17.5 * day, 90 * day))
            if status != Status.NEW:  # most contacts arrive in the daytime
                created = created.replace(hour=rng.choice([8, 9, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]))
                created = min(created, now - timedelta(hours=1))
            account = rng.choices(self.accounts, weights)[0]
            slug = rng.choices(list(TYPE_WEIGHTS), list(TYPE_WEIGHTS.values()))[0]
            plans.append((created, status, account, self.types[slug]))
        # Whatever the seed and size, at least one case shows each of these.
        force: dict[int, set[str]] = {}
        for status, feature in [(Status.CLOSED, "transfer"), (Status.CLOSED, "escalation"),
                                (Status.RESOLVED, "reopen"), (Status.OPEN, "waiting")]:  # fmt: skip
            force.setdefault(statuses.index(status), set()).add(feature)
        # Replayed in time order so references (HD-000001, ...) grow with time; each story
        # draws from its own generator, so its text does not depend on that order.
        for i in sorted(range(n), key=lambda i: plans[i][0]):
            _Story(self, random.Random(f"{self.seed}:{i}"), *plans[i]).run(force.get(i, set()))

    def counts(self) -> dict[str, int]:
        by_status = Counter(Case.objects.values_list("status", flat=True))
        entries = TimelineEntry.objects
        return {
            "departments": Department.objects.count(),
            "staff": User.objects.exclude(role=Role.CUSTOMER).count(),
            "request types": RequestType.objects.count(),
            "customer accounts": CustomerAccount.objects.count(),
            "contacts": Contact.objects.count(),
            "portal logins": User.objects.filter(role=Role.CUSTOMER).count(),
            "cases": sum(by_status.values()),
            **{f"  {Status(s).label.lower()}": by_status.get(s, 0) for s in Status.values},
            "timeline entries": entries.count(),
            "transfers": entries.filter(event=TimelineEntry.Event.TRANSFERRED).count(),
            "escalations": Escalation.objects.count(),
            "  waiting for a supervisor": Escalation.objects.filter(taken_at__isnull=True).count(),
            "reopenings": entries.filter(event=TimelineEntry.Event.REOPENED).count(),
        }


class _Story:
    """One case's history: planned as a list of steps, timed, and replayed through the actions."""

    case: Case

    def __init__(self, b: _Builder, rng: random.Random, created: datetime, target: str, account: CustomerAccount,
                 rtype: RequestType):  # fmt: skip
        self.b, self.rng, self.created, self.target, self.account, self.rtype = b, rng, created, target, account, rtype
        portal = account.pk in b.portal
        self.contact = b.contacts[account.pk][0] if portal else rng.choice(b.contacts[account.pk])
        self.customer = b.portal[account.pk] if portal else None
        self.d1 = d1 = created - timedelta(days=rng.randint(1, 20))
        base = rng.choice([39.99, 54.99, 64.99, 79.99, 89.99, 119.99])
        self.ctx = {
            "first": self.contact.name.partition(" ")[0], "acct": account.number, "area": account.service_area,
            "service": rng.choice(account.services or ["Internet 100"]), "date": f"{d1:%B} {d1.day}",
            "amount": f"${rng.choice([4.99, 9.99, 12.50, 15.00, 24.99, 30.00, 45.00, 60.00]):.2f}",
            "amount2": f"${base + rng.choice([10, 15, 20, 25]):.2f}", "amount3": f"${base:.2f}",
            "order": f"ORD-{rng.randint(100000, 999999)}", "street": f"{rng.randint(2, 480)} {rng.choice(STREETS)}",
            "tracking": "1Z" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(16)),
            "rep": rng.choice([s[1] for s in STAFF if s[3] == Role.AGENT]), "when": rng.choice(WHEN_PHRASES),
        }  # fmt: skip
        self.scenario = rng.choice(SCENARIOS[rtype.slug])
        self.used: set[str] = set()
        self.replied = False
        self.asked: tuple[str, str] | None = None  # the fact the rep asked for and its answer

    def plan(self, force: set[str]) -> list[str]:
        rng, target = self.rng, self.target
        steps = ["open"]
        if target == Status.NEW:  # waiting in a queue, perhaps moved or chased already
            roll = rng.random()
            if roll < 0.25:
                steps.append("transfer")
            elif roll < 0.45:
                steps.append("customer")
            elif roll < 0.55:
                steps.append("wait_escalation")
            elif roll < 0.7:
                steps.append("note")
            return steps
        steps.append(rng.choice(["take", "take", "assign", "reply"]))
        for _ in range(rng.choice([1, 1, 2, 2, 3, 4])):
            kind = rng.choices(["reply", "customer", "note", "call_out", "ask"], [3, 3, 2, 2, 1])[0]
            steps += ["ask", "set_pending", "customer"] if kind == "ask" else [kind]
        if rng.random() < 0.2 or "transfer" in force:
            steps += ["transfer", "take", "reply"]
        if rng.random() < 0.18 or "escalation" in force:
            steps += ["escalate", "take_escalation", "call_out"]
            steps += ["handback", "note"] if rng.random() < 0.5 else []
        if target in (Status.RESOLVED, Status.CLOSED):
            steps += ["resolve", "reopen", "reply", "resolve"] if rng.random() < 0.15 or force else ["resolve"]
        elif target == Status.OPEN:
            steps += ["resolve", "reopen"] if rng.random() < 0.12 else ["reply"] if rng.random() < 0.5 else []
        elif target == Status.PENDING:
            steps += ["ask", "set_pending"]
        if target in (Status.OPEN, Status.PENDING) and (rng.random() < 0.12 or "waiting" in force):
            steps.append("wait_escalation")
        return steps

    def schedule(self, steps: list[str]) -> list[datetime]:
        """Natural gaps between steps, squeezed when the story would run past its deadline
        (now, or for a closed case the end of the reopen window before now)."""
        gaps = [min(self.rng.expovariate(1 / mean), cap) if mean else 0.0 for mean, cap in (GAPS[s] for s in steps)]
        if self.target == Status.CLOSED:
            deadline = self.b.now - timedelta(days=settings.REOPEN_WINDOW_DAYS, hours=8)
        else:
            deadline = self.b.now - timedelta(minutes=2)
        available = (deadline - self.created).total_seconds() / 60
        scale = min(1.0, 0.95 * available / sum(gaps)) if sum(gaps) else 1.0
        times, t = [], self.created
        for gap in gaps:
            t += timedelta(minutes=gap * scale)
            times.append(t)
        # Staff work 08:00-19:00: a step that falls at night waits for the morning, when
        # the rest of the story still fits before the deadline.
        shift = timedelta(0)
        for i, step in enumerate(steps):
            t = times[i] + shift
            if step not in CUSTOMER_STEPS and not 8 <= t.hour < 19:
                morning = (t + timedelta(days=1 if t.hour >= 19 else 0)).replace(hour=8, minute=self.rng.randint(0, 50))
                if times[-1] + shift + (morning - t) <= deadline:
                    shift += morning - t
            times[i] += shift
        return times

    def run(self, force: set[str]) -> None:
        steps = self.plan(force)
        for step, moment in zip(steps, self.schedule(steps), strict=True):
            with clock.at(moment):
                getattr(self, f"_{step}")()
        if self.target == Status.CLOSED and self.case.status == Status.RESOLVED and self.case.resolved_at:
            # The worker closes resolved cases when the reopen window has passed.
            moment = self.case.resolved_at + timedelta(days=settings.REOPEN_WINDOW_DAYS, hours=self.rng.uniform(1, 6))
            with clock.at(min(moment, self.b.now - timedelta(minutes=1))):
                self.do(act.do_close, self.case, acting_user=None)

    # --- helpers --------------------------------------------------------------------

    def do(self, action: Any, *args: Any, **kwargs: Any) -> Any:
        """Run an action and keep the case it returns (or its entry's case): the actions
        hand back the row they locked and changed, so nothing needs reloading."""
        result = action(*args, **kwargs)
        self.case = result if isinstance(result, Case) else result.case
        return result

    def text(self, template: str, **extra: str) -> str:
        return template.format(**self.ctx, **extra)

    def pick(self, options: list[str], **extra: str) -> str:
        """A text from `options`, preferring one this case has not used yet."""
        fresh = [o for o in options if o not in self.used] or options
        choice = self.rng.choice(fresh)
        self.used.add(choice)
        return self.text(choice, **extra)

    def agent(self) -> User:
        return self.rng.choice(self.b.agents[self.case.department.slug])

    def supervisor(self) -> User:
        return self.rng.choice(self.b.supervisors[self.case.department.slug])

    def worker(self) -> User:
        return self.case.owner or self.agent()

    def voice(self, body: str) -> str:
        """Most customers are calm; some are frustrated, a few angry."""
        roll = self.rng.random()
        if roll < 0.22:
            return f"{body} {self.rng.choice(FRUSTRATED)}"
        return f"{body}\n\n{self.rng.choice(ANGRY)}" if roll < 0.30 else body

    @property
    def values(self) -> dict[str, str]:
        """The facts a request type may ask for, as this customer would give them."""
        d1, ctx = self.d1.date().isoformat(), self.ctx
        return {"account_number": ctx["acct"], "statement_date": d1, "amount": ctx["amount"].lstrip("$"),
                "order_number": ctx["order"], "tracking_number": ctx["tracking"], "since_date": d1,
                "outage_dates": f"{d1} to {(self.d1 + timedelta(days=2)).date().isoformat()}",
                "services": ctx["service"], "service_address": ctx["street"], "contact_date": d1,
                "end_date": (self.created + timedelta(days=30)).date().isoformat(), "rep_name": ctx["rep"]}  # fmt: skip

    def facts(self) -> dict[str, str]:
        values = self.values
        return {n["key"]: values[n["key"]] for n in self.rtype.needs if n["key"] in values and self.rng.random() < 0.85}

    def phone(self) -> str:
        return next((p.value for p in self.contact.points.all() if p.kind == ContactPoint.Kind.PHONE), "")

    def reply(self, templates: list[str], who: User | None = None, **extra: str) -> None:
        who = who or self.worker()
        self.do(act.do_add_reply, self.case, body=self.pick(templates, agent=who.first_name, **extra), acting_user=who)
        self.replied = True

    def call(self, body: str, direction: str = "inbound", who: User | None = None) -> None:
        self.do(act.do_log_call, self.case, body=body, acting_user=who or self.worker(), direction=direction,
                duration_seconds=self.rng.randint(40, 1500), phone=self.phone())  # fmt: skip

    def email(self, body: str) -> None:
        """A message from a customer without a portal login, as the e-mail channel records it."""
        if self.case.status != Status.CLOSED:
            self.do(act.do_receive_message, case=self.case, account=self.account, contact=self.contact,
                    request_type=self.rtype, subject=f"Re: [{self.case.ref}] {self.case.subject}", body=body,
                    channel=Channel.EMAIL)  # fmt: skip

    # --- steps ----------------------------------------------------------------------

    def _open(self) -> None:
        rng, rtype = self.rng, self.rtype
        subject, body, goal = (self.text(t) for t in self.scenario)
        priority = rng.choices(["low", "normal", "high", "urgent"], [2, 12, 4, 1])[0]
        if rtype.slug in ("outage", "complaint") or "Home Phone" in subject:
            priority = rng.choice(["high", "high", "urgent"])
        body = self.voice(body)
        common = dict(account=self.account, contact=self.contact, request_type=rtype, subject=subject, body=body,
                      goal=goal, facts=self.facts(), priority=priority)  # fmt: skip
        earlier = None
        if self.customer and self.target == Status.NEW and rng.random() < 0.3:  # writing again about a closed case
            earlier = (Case.objects.filter(account=self.account, status=Status.CLOSED, closed_at__lt=clock.now())
                       .order_by("-closed_at").first())  # fmt: skip
        if earlier is not None:
            self.do(act.check_customer_writes, earlier, body=rng.choice(LINKED_MESSAGES), acting_user=self.customer,
                    channel=Channel.PORTAL)  # fmt: skip
        elif self.customer is not None:
            channel = rng.choice([Channel.PORTAL, Channel.PORTAL, Channel.EMAIL])
            self.do(act.do_open_case, **common, acting_user=self.customer, channel=channel)
        elif rng.random() < 0.35:  # an e-mail from someone without a portal login
            self.do(act.do_receive_message, case=None, account=self.account, contact=self.contact,
                    request_type=rtype, subject=subject, body=body, channel=Channel.EMAIL)  # fmt: skip
        else:  # a call or chat, recorded by the agent who took it
            channel = rng.choice([Channel.PHONE, Channel.PHONE, Channel.PHONE, Channel.CHAT])
            taker = rng.choice(self.b.agents[rtype.department.slug])
            self.do(act.do_open_case, **common, acting_user=taker, channel=channel, author_name=self.contact.name)
            if channel == Channel.PHONE and self.target != Status.NEW:
                self.do(act.do_assign, self.case, taker, acting_user=taker)

    def _take(self) -> None:
        if self.case.owner_id is None:
            agent = self.agent()
            self.do(act.do_assign, self.case, agent, acting_user=agent)

    def _assign(self) -> None:
        if self.case.owner_id is None:
            self.do(act.do_assign, self.case, self.agent(), acting_user=self.supervisor())

    def _reply(self) -> None:
        self.reply(AGENT_REPLIES)

    def _customer(self) -> None:
        """The customer answers a question, reacts to a reply, or chases."""
        if self.asked:
            body, self.asked = self.pick(ANSWERS, label=self.asked[0], value=self.asked[1]), None
            called = f"{self.ctx['first']} called with the details we asked for: {body}"
        else:
            tech = TECH_FOLLOW_UPS if self.rtype.slug in TECH_TYPES else []
            body = self.pick(AFTER_REPLY + tech) if self.replied else self.voice(self.pick(CHASES + tech))
            called = self.pick(CALLS_IN)
        if self.customer is not None:
            channel = self.case.channel if self.case.channel in (Channel.PORTAL, Channel.EMAIL) else Channel.PORTAL
            self.do(act.do_add_reply, self.case, body=body, acting_user=self.customer, channel=channel)
        elif self.case.status == Status.PENDING or self.case.channel == Channel.EMAIL or self.rng.random() < 0.3:
            self.email(body)
        else:
            self.call(called)

    def _note(self) -> None:
        options = NOTES.get(self.rtype.slug, []) + GENERIC_NOTES
        self.do(act.do_add_note, self.case, body=self.pick(options), acting_user=self.worker())

    def _call_out(self) -> None:
        self.call(self.pick(CALLS_OUT), direction="outbound")

    def _ask(self) -> None:
        needs = [(n["label"].lower(), self.values.get(n["key"], "")) for n in self.rtype.needs]
        self.asked = asked = self.rng.choice([n for n in needs if n[1]] or [("best time to call", "after 5pm")])
        self.reply(ASKS, need=f"the {asked[0]}")

    def _set_pending(self) -> None:
        if self.case.status == Status.OPEN:
            self.do(act.do_set_pending, self.case, acting_user=self.worker())

    def _transfer(self) -> None:
        rng, case = self.rng, self.case
        here = case.department.slug
        target = rng.choice(
            [d for d in TRANSFER_TO[self.rtype.slug] if d != here] or [d for d in self.b.depts if d != here]
        )
        owner = rng.choice(self.b.agents[target]) if case.status != Status.NEW and rng.random() < 0.5 else None
        summary = (
            f"{self.contact.name} (account {self.account.number}): {case.subject}. "
            f"{f'Customer wants: {case.goal} ' if case.goal else ''}Done so far: "
            f"{rng.choice(GENERIC_NOTES[1:])} Next for {self.b.depts[target].name}: {NEXT_STEP[target]}."
        )
        self.do(act.do_transfer, case, self.b.depts[target], summary=summary, owner=owner, acting_user=self.worker())

    def _escalate(self) -> None:
        if self.case.escalated or self.case.status == Status.CLOSED:
            return
        if self.customer is not None and self.rng.random() < 0.4:
            self.do(act.do_escalate, self.case, reason=self.pick(ESCALATIONS_CUSTOMER), acting_user=self.customer,
                    channel=Channel.PORTAL)  # fmt: skip
        else:
            reasons = ESCALATIONS_STAFF + (CREDIT_ESCALATIONS if self.rtype.slug in CREDIT_TYPES else [])
            self.do(act.do_escalate, self.case, reason=self.pick(reasons), acting_user=self.worker())

    _wait_escalation = _escalate  # the same action, left waiting for a supervisor

    def _take_escalation(self) -> None:
        if self.case.escalated:
            sup = self.supervisor()
            self.do(act.do_take_escalation, self.case, acting_user=sup)
            self.do(act.do_add_note, self.case, body=self.pick(TAKEN_NOTES), acting_user=sup)

    def _handback(self) -> None:
        sup = self.case.owner
        if sup is not None and sup.role == Role.SUPERVISOR and self.case.is_active:
            agent = self.agent()
            note = self.pick(HANDBACKS, agent=agent.first_name)
            self.do(act.do_add_note, self.case, body=note, acting_user=sup)
            self.do(act.do_assign, self.case, agent, acting_user=sup)

    def _resolve(self) -> None:
        if self.case.escalated:  # a supervisor decides before anyone resolves
            self._take_escalation()
        who = self.worker()
        resolution = self.pick(RESOLUTIONS[self.rtype.slug])
        self.reply(RESOLVE_REPLIES, who, resolution=resolution)
        self.do(act.do_resolve, self.case, note=resolution, acting_user=who)

    def _reopen(self) -> None:
        if self.case.status != Status.RESOLVED:
            return
        body = self.pick(REOPEN_BY_TYPE.get(self.rtype.slug, REOPEN_MESSAGES))
        if self.customer is not None:
            self.do(act.do_add_reply, self.case, body=body, acting_user=self.customer, channel=Channel.PORTAL)
        elif self.case.channel == Channel.EMAIL or self.rng.random() < 0.3:
            self.email(body)
        else:
            who = self.worker()
            self.call(f"{self.ctx['first']} called back: {body}", who=who)
            self.do(act.do_reopen, self.case, reason=f"Customer called back: {body}", acting_user=who)
