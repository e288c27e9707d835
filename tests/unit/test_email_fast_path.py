"""The fast email check never accepts what the full check refuses, and takes the everyday addresses."""
import random

import pytest

from domain.emails import fully_checked_email, plainly_valid_email


def full_check_accepts(address: str) -> bool:
    """email_validator's syntax and the rules of identity (no look-alike local part, a key that fits)."""
    try:
        fully_checked_email(address)
    except ValueError:
        return False
    return True


EVERYDAY = ["alice@example.com", "Bob.Smith+envadmin@mail.example.co.uk", "o_neil%x@a-b.io",
            "x@" + "a" * 63 + ".com", "user-1@sub1.sub2.example.museum"]

EDGES = ["a..b@x.com", ".a@x.com", "a.@x.com", "a@x", "a@x.", "a@.x.com", "a@x..com", "a@-x.com", "a@x-.com",
         "a@x.c0m", "a@x.123", "a@ab--cd.com", "a@xn--bcher-kva.example", "a@xn--zz.com", "a@x.local",
         "a@x.localhost", "a@mail.test", "a@onion", "a@x.ONION", "a@x.arpa", "a@x.invalid", "a b@x.com",
         "a@x .com", "a@[127.0.0.1]", '"a"@x.com', "a@x.com\n", "é@x.com", "a@é.com", "a" * 65 + "@x.com",
         "a@" + "b" * 64 + ".com", "a@" + ".".join(["b" * 60] * 5) + ".com", "@x.com", "a@", "a@@x.com",
         "a@x.c", "a@1.2.3.4", "a!b@x.com", "a=b@x.com", "-a@x.com", "a-@x.com"]


@pytest.mark.parametrize("address", EVERYDAY)
def test_everyday_addresses_take_the_fast_path(address):
    assert plainly_valid_email(address)
    assert full_check_accepts(address)


@pytest.mark.parametrize("address", EDGES)
def test_an_edge_case_is_fast_only_if_the_full_check_accepts_it(address):
    assert not plainly_valid_email(address) or full_check_accepts(address)


def test_random_addresses_never_pass_the_fast_check_alone():
    rng = random.Random(20261124)
    letters, odd = "aZ09-_+%", ".!é @"
    tlds = ["com", "org", "test", "local", "arpa", "onion", "c0m", "x", "xn--p1ai", "ab--c", "io"]

    def label() -> str:
        text = "".join(rng.choice(letters) for _ in range(rng.choice([1, 2, 3, 5, 63, 64])))
        if rng.random() < 0.1:
            at = rng.randrange(len(text) + 1)
            text = text[:at] + rng.choice(odd) + text[at:]
        return text

    fast = 0
    for _ in range(20_000):
        local = ".".join(label() for _ in range(rng.randint(1, 3)))
        domain = ".".join([label() for _ in range(rng.randint(0, 3))] + [rng.choice(tlds)])
        address = f"{local}@{domain}"
        if plainly_valid_email(address):
            fast += 1
            assert full_check_accepts(address), address
    assert fast > 100  # the generator does reach the fast path often enough to mean something
