"""Vocabulary and behaviour parameters of the simulated business.

Every tuple here is aligned with its name tuple (same order). Behaviour parameters are
multipliers that make segments differ: how fast they are acquired, how often and how much they
buy, how long they stay, how satisfied they are.
"""

from __future__ import annotations

from dataclasses import dataclass

REPORTING_CURRENCY = "USD"
FOREIGN_CURRENCIES = ("EUR", "GBP")

# --- acquisition channels -------------------------------------------------------------------
CHANNELS = ("paid_search", "social", "referral", "organic", "email", "partner")
CHANNEL_CODES = ("PS", "SOC", "REF", "ORG", "EM", "PTN")
CHANNEL_SHARE = (0.26, 0.22, 0.12, 0.20, 0.10, 0.10)
CHANNEL_GROWTH = (1.3, 2.4, 1.6, 1.5, 1.0, 1.2)  # acquisition intensity at end vs start
CHANNEL_LIFETIME = (420.0, 260.0, 900.0, 700.0, 620.0, 560.0)  # mean days before churning
CHANNEL_RATE = (0.9, 0.75, 1.2, 1.0, 1.15, 0.9)  # repeat order frequency
CHANNEL_ONE_TIME = (0.33, 0.45, 0.12, 0.20, 0.18, 0.25)  # share of one-time buyers
CHANNEL_AOV = (1.0, 0.8, 1.1, 1.0, 0.95, 1.25)
CHANNEL_SATISFACTION = (-0.1, -0.3, 0.4, 0.2, 0.0, 0.0)
CHANNEL_CAC = (190.0, 270.0, 25.0, 0.0, 45.0, 320.0)  # marketing cost per acquisition, USD
CHANNEL_LEAD_SHARE = (0.30, 0.25, 0.40, 0.10, 0.45, 0.55)  # customers who came through a lead
CHANNEL_LEAD_CONVERSION = (0.20, 0.12, 0.45, 0.35, 0.28, 0.35)

# --- geography ------------------------------------------------------------------------------
COUNTRIES = ("US", "CA", "GB", "DE", "FR", "NL")
COUNTRY_SHARE = (0.52, 0.07, 0.14, 0.12, 0.09, 0.06)
COUNTRY_CURRENCY = ("USD", "USD", "GBP", "EUR", "EUR", "EUR")
COUNTRY_LAUNCH_DAY = (0, 0, 0, 152, 152, 244)  # days after start: the EU opens mid-2024
COUNTRY_AOV = (1.0, 0.95, 1.1, 1.05, 1.0, 0.95)
COUNTRY_SATISFACTION = (0.0, 0.1, 0.1, -0.2, -0.1, 0.0)
EU_COUNTRIES = ("DE", "FR", "NL")


@dataclass(frozen=True)
class Region:
    name: str
    country: str
    share: float  # within its country
    timezone: str
    cities: tuple[tuple[str, str], ...]  # (city, postal code prefix)


# fmt: off
REGIONS = (
    Region("Northeast", "US", 0.22, "America/New_York",
           (("New York", "100"), ("Boston", "021"), ("Philadelphia", "191"))),
    Region("Southeast", "US", 0.24, "America/New_York",
           (("Atlanta", "303"), ("Miami", "331"), ("Charlotte", "282"))),
    Region("Midwest", "US", 0.20, "America/Chicago",
           (("Chicago", "606"), ("Minneapolis", "554"), ("Columbus", "432"))),
    Region("Southwest", "US", 0.14, "America/Phoenix",
           (("Phoenix", "850"), ("Dallas", "752"), ("Austin", "787"))),
    Region("West", "US", 0.20, "America/Los_Angeles",
           (("Los Angeles", "900"), ("San Francisco", "941"), ("Seattle", "981"))),
    Region("Ontario", "CA", 0.45, "America/Toronto", (("Toronto", "M5V "), ("Ottawa", "K1P "))),
    Region("Québec", "CA", 0.30, "America/Toronto", (("Montréal", "H2X "), ("Québec", "G1R "))),
    Region("British Columbia", "CA", 0.25, "America/Vancouver", (("Vancouver", "V6B "),)),
    Region("England", "GB", 0.80, "Europe/London",
           (("London", "EC1A "), ("Manchester", "M1 "), ("Bristol", "BS1 "))),
    Region("Scotland", "GB", 0.14, "Europe/London", (("Edinburgh", "EH1 "), ("Glasgow", "G1 "))),
    Region("Wales", "GB", 0.06, "Europe/London", (("Cardiff", "CF10 "),)),
    Region("Bavaria", "DE", 0.35, "Europe/Berlin", (("München", "80"), ("Nürnberg", "90"))),
    Region("Berlin", "DE", 0.25, "Europe/Berlin", (("Berlin", "10"),)),
    Region("North Rhine-Westphalia", "DE", 0.40, "Europe/Berlin",
           (("Köln", "50"), ("Düsseldorf", "40"))),
    Region("Île-de-France", "FR", 0.60, "Europe/Paris", (("Paris", "75"), ("Versailles", "78"))),
    Region("Provence-Alpes-Côte d'Azur", "FR", 0.40, "Europe/Paris",
           (("Marseille", "13"), ("Nice", "06"))),
    Region("North Holland", "NL", 0.55, "Europe/Amsterdam", (("Amsterdam", "10"),)),
    Region("South Holland", "NL", 0.45, "Europe/Amsterdam",
           (("Rotterdam", "30"), ("Den Haag", "25"))),
)
# fmt: on

# --- demographics ---------------------------------------------------------------------------
# fmt: off
# Age groups (age on the last activity day) used for behaviour; group 0 (16-17) lands in the
# `unknown` age band.
AGE_GROUPS = ((16, 17), (18, 24), (25, 34), (35, 44), (45, 54), (55, 64), (65, 85))
AGE_SHARE = (0.015, 0.13, 0.24, 0.21, 0.17, 0.13, 0.105)
AGE_RATE = (1.0, 1.1, 1.15, 1.0, 0.95, 0.85, 0.7)
AGE_LIFETIME = (0.6, 0.7, 0.9, 1.0, 1.1, 1.25, 1.4)
AGE_AOV = (0.55, 0.7, 0.9, 1.1, 1.2, 1.15, 1.0)
AGE_INCOME = (0.15, 0.5, 0.9, 1.15, 1.25, 1.1, 0.8)
AGE_SATISFACTION = (0.0, -0.1, 0.0, 0.0, 0.1, 0.2, 0.3)
# channel mix per age group (multipliers on CHANNEL_SHARE)
AGE_CHANNEL = (
    (0.6, 2.5, 1.2, 1.0, 0.2, 0.5),
    (0.8, 2.0, 1.1, 1.0, 0.5, 0.8),
    (1.0, 1.4, 1.0, 1.0, 0.8, 1.0),
    (1.1, 0.9, 1.0, 1.0, 1.0, 1.1),
    (1.1, 0.6, 0.9, 1.0, 1.3, 1.1),
    (1.1, 0.4, 1.0, 1.0, 1.6, 1.0),
    (1.0, 0.3, 1.1, 1.0, 2.0, 0.9),
)
ORDER_CHANNELS = ("web", "app", "store", "phone")
# order channel mix per age group
AGE_ORDER_CHANNEL = (
    (0.30, 0.62, 0.08, 0.00), (0.35, 0.55, 0.10, 0.00), (0.45, 0.43, 0.11, 0.01),
    (0.55, 0.32, 0.11, 0.02), (0.62, 0.22, 0.12, 0.04), (0.66, 0.12, 0.14, 0.08),
    (0.60, 0.06, 0.18, 0.16),
)

# Free-text gender as the CRM stores it, with how often each spelling occurs.
GENDER_VARIANTS = (
    ("F", 0.12), ("female", 0.17), ("Woman", 0.06), ("Female", 0.12), ("w", 0.02),
    ("m", 0.12), ("Male", 0.17), ("M", 0.08), ("man", 0.06), ("male", 0.03),
    ("non-binary", 0.008), ("Non-binary", 0.004), ("diverse", 0.003),
    ("", 0.02), ("prefer not to say", 0.008), ("n/a", 0.005),
)
FEMALE_VARIANTS = frozenset({"F", "female", "Woman", "Female", "w"})
MALE_VARIANTS = frozenset({"m", "Male", "M", "man", "male"})

EDUCATION = ("high school", "some college", "bachelor", "master", "doctorate")
EDUCATION_SHARE = (0.25, 0.2, 0.35, 0.16, 0.04)
OCCUPATIONS = (
    "engineer", "teacher", "nurse", "sales", "manager", "student", "retired", "designer",
    "consultant", "self-employed", "administrator", "driver", "chef", "developer", "analyst",
)
LIFESTYLES = (
    "Urban professional", "Family-focused", "Outdoor enthusiast", "Budget conscious",
    "Luxury seeker", "Student", "Retired", "Health & wellness",
)
# lifestyle weights per age group
AGE_LIFESTYLE = (
    (0.02, 0.05, 0.15, 0.20, 0.05, 0.50, 0.00, 0.03),
    (0.15, 0.05, 0.15, 0.20, 0.08, 0.30, 0.00, 0.07),
    (0.30, 0.20, 0.12, 0.13, 0.10, 0.03, 0.00, 0.12),
    (0.22, 0.35, 0.12, 0.10, 0.10, 0.00, 0.00, 0.11),
    (0.18, 0.30, 0.14, 0.10, 0.14, 0.00, 0.02, 0.12),
    (0.12, 0.20, 0.15, 0.12, 0.14, 0.00, 0.14, 0.13),
    (0.03, 0.12, 0.10, 0.15, 0.10, 0.00, 0.40, 0.10),
)

# --- interests and product categories -------------------------------------------------------
CATEGORIES = ("electronics", "home", "fashion", "beauty", "sports", "books")
CATEGORY_SHARE = (0.18, 0.2, 0.22, 0.16, 0.14, 0.10)
CATEGORY_SKU_PREFIX = ("ELEC", "HOME", "FASH", "BEAU", "SPRT", "BOOK")
CATEGORY_REFUND = (1.6, 0.9, 1.4, 0.7, 1.0, 0.5)  # refund propensity multiplier

INTERESTS = (
    "electronics", "fashion", "beauty", "sports", "books", "home",
    "travel", "gaming", "cooking", "fitness", "outdoors", "music",
)
INTEREST_CATEGORY = (0, 2, 3, 4, 5, 1, 2, 0, 1, 4, 4, 0)  # index into CATEGORIES
INTEREST_SHARE = (0.12, 0.12, 0.10, 0.08, 0.07, 0.10, 0.09, 0.07, 0.06, 0.08, 0.05, 0.07)
INTEREST_AOV = (1.6, 1.0, 0.7, 1.0, 0.6, 1.2, 1.3, 1.1, 0.9, 0.9, 1.1, 0.8)
INTEREST_RATE = (0.6, 1.1, 1.4, 1.0, 1.2, 0.8, 0.7, 0.9, 1.0, 1.1, 0.9, 1.0)
# interest multipliers per age group (young: gaming, fashion; older: books, home, cooking)
AGE_INTEREST = (
    (1.2, 1.5, 1.2, 1.2, 0.6, 0.3, 0.5, 3.0, 0.5, 0.8, 0.6, 2.0),
    (1.2, 1.4, 1.3, 1.1, 0.7, 0.5, 1.0, 2.0, 0.6, 1.2, 0.8, 1.6),
    (1.1, 1.1, 1.1, 1.1, 0.8, 0.9, 1.3, 1.2, 1.0, 1.3, 1.0, 1.1),
    (1.0, 1.0, 1.0, 1.0, 1.0, 1.2, 1.1, 0.8, 1.1, 1.1, 1.1, 0.9),
    (0.9, 0.9, 0.9, 0.9, 1.2, 1.3, 1.1, 0.5, 1.2, 0.9, 1.2, 0.8),
    (0.8, 0.8, 0.8, 0.8, 1.5, 1.4, 1.2, 0.3, 1.4, 0.8, 1.1, 0.7),
    (0.6, 0.6, 0.7, 0.6, 1.9, 1.5, 1.2, 0.2, 1.5, 0.6, 0.9, 0.7),
)

# --- people ---------------------------------------------------------------------------------
# (display name, ascii form for e-mail addresses)
FEMALE_FIRST_NAMES = (
    ("Emma", "emma"), ("Olivia", "olivia"), ("Sophia", "sophia"), ("Zoë", "zoe"),
    ("Chloé", "chloe"), ("Amélie", "amelie"), ("Hannah", "hannah"), ("Mia", "mia"),
    ("Siobhán", "siobhan"), ("Ngozi", "ngozi"), ("Priya", "priya"), ("Mei", "mei"),
    ("Lucía", "lucia"), ("Grace", "grace"), ("Fatima", "fatima"), ("Anna", "anna"),
)
MALE_FIRST_NAMES = (
    ("Liam", "liam"), ("Noah", "noah"), ("James", "james"), ("José", "jose"),
    ("Jürgen", "juergen"), ("Søren", "soren"), ("Lucas", "lucas"), ("Mohammed", "mohammed"),
    ("Wei", "wei"), ("Aarav", "aarav"), ("Oliver", "oliver"), ("Mateo", "mateo"),
    ("François", "francois"), ("Daniel", "daniel"), ("Kwame", "kwame"), ("Jan", "jan"),
)
LAST_NAMES = (
    ("Smith", "smith"), ("Johnson", "johnson"), ("Müller", "mueller"), ("García", "garcia"),
    ("O'Brien", "obrien"), ("Nguyen", "nguyen"), ("Dubois", "dubois"), ("van der Berg", "vdberg"),
    ("Kowalski", "kowalski"), ("Okafor", "okafor"), ("Patel", "patel"), ("Schmidt", "schmidt"),
    ("Brown", "brown"), ("Lefèvre", "lefevre"), ("Rossi", "rossi"), ("Chen", "chen"),
    ("Williams", "williams"), ("Jansen", "jansen"), ("Martin", "martin"), ("Taylor", "taylor"),
)
EMAIL_DOMAINS = ("example.com", "example.org", "mail.example", "inbox.example.net")
# fmt: on

# --- survey comments (anything goes: quotes, commas, newlines, markup, other scripts) -------
COMMENTS_POSITIVE = (
    "Great service, fast delivery!",
    'Exactly as described. "Five stars" from me.',
    "Love it 😍",
    "Très bien, livraison rapide.",
    "Sehr zufrieden – gerne wieder!",
    "配送が早くて助かりました。",
    "Support solved my issue in minutes,\nthank you Anna!",
    "Good value; will order again",
)
COMMENTS_NEUTRAL = (
    "OK.",
    "Delivery was fine, packaging could be better",
    "It's alright, nothing special",
    "Product good, but the app kept logging me out",
    "<b>fine</b>",
    "Average experience — a bit slow",
)
COMMENTS_NEGATIVE = (
    'Item arrived broken, box said "fragile" though...',
    "Refund took 3 weeks, not happy",
    "Never again.\nNobody answered my e-mails,\r\nand the chat bot was useless",
    "Wrong size, return label didn't work",
    "Lieferung kam zu spät 😡",
    "<script>alert('bad service')</script>",
    'Customer service, "helpful"? No.',
)
