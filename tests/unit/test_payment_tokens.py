import re

from infra.payment_tokens import PROFILE, new_payment_token


def test_tokens_are_paysafe_shaped_and_unpredictable() -> None:
    tokens = {new_payment_token(PROFILE) for _ in range(2000)}
    assert len(tokens) == 2000
    assert all(re.fullmatch(r"P[0-9A-Za-z]{14}", t) for t in tokens)
    # Every position varies: nothing is derived from a counter or a clock.
    for i in range(1, 15):
        assert len({t[i] for t in tokens}) > 40
