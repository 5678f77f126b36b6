"""Paysafe-shaped payment tokens: a kind prefix and 14 random base62 characters (~83 bits).

Tokens are drawn from the OS's CSPRNG and never derived from anything the token stands for, so a
token reveals nothing and cannot be predicted from another one.
"""

import secrets
import string

_ALPHABET = string.digits + string.ascii_letters
PROFILE = "P"


def new_payment_token(prefix: str, length: int = 14) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))
