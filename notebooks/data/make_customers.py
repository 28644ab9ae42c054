"""Generate the demo's raw customer extract: ``notebooks/data/raw/customers.csv``.

This is how the shipped CSV was made; re-running it reproduces the file byte for byte
(seeded ``random``, standard library only)::

    python notebooks/data/make_customers.py

The extract is deliberately messy, as a month-close input from several CRMs would be:

- 360 distinct customers, mostly in the US, GB, DE and FR (a few in CA, a few with no country);
- 40 more rows that re-enter one of them (some people twice): 15 exact copies and 25 near copies
  (email or name in another case, stray whitespace, the phone typed another way), each with a
  new customer_id and a later signup_date; the earliest signup is the one to keep;
- phone numbers in many formats: "(212) 555-0101", "415.555.0102", "+1 312 555 0103",
  "001-617-555-0104", "2065550105 ext 12", "+44 20 7946 0958", "020 7946 0959",
  "+44 (0)161 496 0001", "0113 496 0002" (Leeds, not an 011 prefix), plus blanks, "n/a" and
  numbers with too few digits.

The first customers (C0001-C0024) are hand-written showcase rows, one per phone format, with
known E.164 answers; the demo's tests look them up by customer_id.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

SEED = 20261031
N_CUSTOMERS = 360
N_EXACT_DUPLICATES = 15
N_NEAR_DUPLICATES = 25
OUT = Path(__file__).resolve().parent / "raw" / "customers.csv"
COLUMNS = [
    "customer_id", "first_name", "last_name", "email", "phone",
    "country", "city", "signup_date", "lifetime_value",
]  # fmt: skip

# (country, phone as typed) for C0001..; the E.164 answers live in tests/test_demo_notebooks.py
SHOWCASE = [
    ("US", "(212) 555-0101"),
    ("US", "415.555.0102"),
    ("US", "+1 312 555 0103"),
    ("US", "001-617-555-0104"),
    ("US", "2065550105 ext 12"),
    ("US", "1-512-555-0106"),
    ("US", "011 44 20 7946 0960"),
    ("US", ""),
    ("US", "n/a"),
    ("US", "555-0110"),
    ("GB", "+44 20 7946 0958"),
    ("GB", "020 7946 0959"),
    ("GB", "+44 (0)161 496 0001"),
    ("GB", "0113 496 0002"),
    ("GB", "07700 900123"),
    ("GB", "0044 7700 900124"),
    ("DE", "+49 30 12345678"),
    ("DE", "030 1234 5679"),
    ("FR", "01 23 45 67 89"),
    ("FR", "+33 6 12 34 56 78"),
    ("", "(303) 555-0121"),
    ("CA", "604-555-0122"),
    ("US", "call after 5pm"),
    ("US", "(555) 123-4567 x89"),
]

COUNTRIES = ["US"] * 44 + ["GB"] * 25 + ["DE"] * 14 + ["FR"] * 12 + ["CA"] * 3 + [""] * 2
CITIES = {
    "US": ["New York", "San Francisco", "Chicago", "Boston", "Seattle", "Austin", "Denver"],
    "GB": ["London", "Manchester", "Leeds", "Bristol", "Edinburgh"],
    "DE": ["Berlin", "Munich", "Hamburg", "Cologne"],
    "FR": ["Paris", "Lyon", "Marseille", "Toulouse"],
    "CA": ["Toronto", "Vancouver", "Montreal"],
    "": [""],
}
FIRST_NAMES = [
    "Anna", "Ben", "Chloe", "David", "Emma", "Felix", "Grace", "Hugo", "Isla", "Jack", "Klara",
    "Liam", "Mia", "Noah", "Olivia", "Paul", "Quinn", "Rosa", "Sam", "Tara", "Uma", "Victor",
    "Wendy", "Xavier", "Yara", "Zoe", "Amelie", "Jonas", "Lea", "Louis", "Manon", "Oscar",
]  # fmt: skip
LAST_NAMES = [
    "Smith", "Johnson", "Brown", "Garcia", "Miller", "Davis", "Wilson", "Taylor", "Clarke",
    "Evans", "Hughes", "Patel", "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Martin",
    "Bernard", "Dubois", "Durand", "Lefebvre", "O'Brien", "McDonald", "Nguyen", "Kim",
]  # fmt: skip
DOMAINS = ["example.com", "example.org", "example.net", "mail.example"]
US_AREAS = ["212", "415", "312", "617", "206", "512", "303", "646", "718", "555"]
CA_AREAS = ["416", "604", "514"]


def us_phone(rng: random.Random, area: str) -> str:
    """A NANP number in one of the ways people type them."""
    exch, line = f"{rng.randint(200, 999)}", f"{rng.randint(0, 9999):04d}"
    formats = [
        f"({area}) {exch}-{line}",
        f"{area}.{exch}.{line}",
        f"{area}-{exch}-{line}",
        f"{area}{exch}{line}",
        f"+1 {area} {exch} {line}",
        f"+1-{area}-{exch}-{line}",
        f"1 ({area}) {exch}-{line}",
        f"001-{area}-{exch}-{line}",
        f"{area}{exch}{line} ext {rng.randint(1, 99)}",
        f"{area}-{exch}-{line} x{rng.randint(100, 999)}",
    ]
    return rng.choice(formats)


def gb_phone(rng: random.Random) -> str:
    """A UK number from Ofcom's drama ranges, typed nationally or internationally."""
    area, rest = rng.choice(
        [
            ("20", f"7946 0{rng.randint(0, 999):03d}"),
            ("161", f"496 0{rng.randint(0, 999):03d}"),
            ("113", f"496 0{rng.randint(0, 999):03d}"),
            ("7700", f"900{rng.randint(0, 999):03d}"),
        ]
    )
    return rng.choice(
        [f"0{area} {rest}", f"+44 {area} {rest}", f"+44 (0){area} {rest}", f"0044 {area} {rest}"]
    )


def de_phone(rng: random.Random) -> str:
    area = rng.choice(["30", "89", "40", "221", "151"])
    rest = f"{rng.randint(1000000, 9999999)}"
    return rng.choice([f"0{area} {rest}", f"+49 {area} {rest}", f"0049 {area} {rest}",
                       f"(0{area}) {rest}"])  # fmt: skip


def fr_phone(rng: random.Random) -> str:
    first = rng.choice(["1", "4", "6", "7"])
    pairs = " ".join(f"{rng.randint(0, 99):02d}" for _ in range(4))
    return rng.choice([f"0{first} {pairs}", f"+33 {first} {pairs}", f"0033 {first} {pairs}",
                       f"0{first}.{pairs.replace(' ', '.')}"])  # fmt: skip


def bad_phone(rng: random.Random) -> str:
    return rng.choice(["", "", "", "n/a", "N/A", "unknown", "-", "12345", "555-12", "0000"])


def random_phone(rng: random.Random, country: str) -> str:
    if rng.random() < 0.08:
        return bad_phone(rng)
    if country == "GB":
        return gb_phone(rng)
    if country == "DE":
        return de_phone(rng)
    if country == "FR":
        return fr_phone(rng)
    return us_phone(rng, rng.choice(CA_AREAS if country == "CA" else US_AREAS))


def retype_phone(rng: random.Random, phone: str) -> str:
    """The same number typed another way (digits kept, separators changed)."""
    if not any(ch.isdigit() for ch in phone):
        return phone
    return rng.choice([phone.replace(" ", ""), phone.replace(" ", "-"), f" {phone} "])


def make_rows(rng: random.Random) -> list[dict[str, str]]:
    start = dt.date(2023, 1, 1)
    rows: list[dict[str, str]] = []
    emails: set[str] = set()
    for i in range(N_CUSTOMERS):
        country, phone = SHOWCASE[i] if i < len(SHOWCASE) else (rng.choice(COUNTRIES), None)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        local = f"{first}.{last}".lower().replace("'", "").replace("ü", "ue")
        email = f"{local}@{rng.choice(DOMAINS)}"
        n = 2
        while email in emails:
            email = f"{local}{n}@{email.split('@')[1]}"
            n += 1
        emails.add(email)
        rows.append(
            {
                "customer_id": f"C{i + 1:04d}",
                "first_name": first,
                "last_name": last,
                "email": email,
                "phone": random_phone(rng, country) if phone is None else phone,
                "country": country,
                "city": rng.choice(CITIES[country]),
                "signup_date": (start + dt.timedelta(days=rng.randint(0, 1275))).isoformat(),
                "lifetime_value": f"{rng.lognormvariate(5.5, 1.0):.2f}",
            }
        )

    # Re-entries: 34 people, six of them twice; never a showcase customer.
    people = rng.sample(rows[len(SHOWCASE) :], 34)
    originals = people + people[:6]
    kinds = ["exact"] * N_EXACT_DUPLICATES + ["near"] * N_NEAR_DUPLICATES
    rng.shuffle(kinds)
    for n, (orig, kind) in enumerate(zip(originals, kinds, strict=True)):
        dup = dict(orig)
        dup["customer_id"] = f"C{N_CUSTOMERS + n + 1:04d}"
        signed = dt.date.fromisoformat(orig["signup_date"])
        dup["signup_date"] = (signed + dt.timedelta(days=rng.randint(1, 120))).isoformat()
        if kind == "near":
            tweaks = rng.sample(["email_case", "email_space", "first", "last", "phone"], 2)
            if "email_case" in tweaks:
                dup["email"] = rng.choice([str.upper, str.title])(dup["email"])
            if "email_space" in tweaks:
                dup["email"] = rng.choice([f" {dup['email']}", f"{dup['email']}  "])
            if "first" in tweaks:
                dup["first_name"] = rng.choice([str.lower, str.upper])(dup["first_name"])
            if "last" in tweaks:
                dup["last_name"] = f"{dup['last_name']} "
            if "phone" in tweaks:
                dup["phone"] = retype_phone(rng, dup["phone"])
        rows.append(dup)
    return rows


def main() -> None:
    rows = make_rows(random.Random(SEED))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {OUT}")
    write_partitioned(rows)


def write_partitioned(rows: list[dict[str, str]]) -> None:
    """The same rows as a Hive-partitioned CSV dataset (``country=XX/part-0.csv``), the input of
    the csv_to_parquet blueprint and of the crawler examples."""
    root = OUT.parent.parent / "partitioned" / "customers"
    by_country: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_country.setdefault(row["country"] or "unknown", []).append(row)
    for country, part in sorted(by_country.items()):
        folder = root / f"country={country}"
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / "part-0.csv").open("w", newline="", encoding="utf-8") as fh:
            fields = [c for c in COLUMNS if c != "country"]
            writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n", extrasaction="ignore")
            writer.writeheader()
            writer.writerows(part)
    print(f"wrote {len(by_country)} partitions under {root}")


if __name__ == "__main__":
    main()
