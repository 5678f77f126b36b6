"""How every Kafka client of the vault (relay, projector, token audit publisher, topic admin,
readiness probe) authenticates to the brokers and encrypts the connection, from the environment.

=====================================  =====================================================
``VAULT_KAFKA_SECURITY_PROTOCOL``      ``PLAINTEXT`` (default), ``SSL``, ``SASL_SSL``
``VAULT_KAFKA_SASL_MECHANISM``         ``SCRAM-SHA-512`` (default with SASL_SSL), ``SCRAM-SHA-256``
``VAULT_KAFKA_SASL_USERNAME``          SCRAM user (``_FILE``: read from a mounted Secret)
``VAULT_KAFKA_SASL_PASSWORD``          its password (``_FILE`` likewise; Strimzi's KafkaUser
                                       Secret has it under ``password``)
``VAULT_KAFKA_SSL_CAFILE``             CA bundle the brokers' certificates must chain to
                                       (Strimzi: the cluster CA Secret's ``ca.crt``); empty:
                                       the system trust store
``VAULT_KAFKA_SSL_CERTFILE``/``KEYFILE``  client certificate and key: mutual TLS
=====================================  =====================================================

Host names are always verified. SASL_PLAINTEXT and PLAIN are not offered: credentials never cross
the network in clear.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from typing import Any

from infra.transport_settings import KafkaSecuritySettings

PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_SSL")
MECHANISMS = ("SCRAM-SHA-512", "SCRAM-SHA-256")


class KafkaSecurityError(ValueError):
    pass


def kafka_security(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Keyword arguments for ``AIOKafkaProducer``, ``AIOKafkaConsumer`` and
    ``AIOKafkaAdminClient``: ``{}`` for PLAINTEXT, else ``security_protocol``, ``ssl_context`` and
    the SASL settings."""
    settings = KafkaSecuritySettings.from_env(environ)
    protocol = settings.security_protocol or "PLAINTEXT"
    if protocol not in PROTOCOLS:
        raise KafkaSecurityError(f"VAULT_KAFKA_SECURITY_PROTOCOL must be one of {PROTOCOLS}")
    if protocol == "PLAINTEXT":
        return {}
    options: dict[str, Any] = {"security_protocol": protocol, "ssl_context": _tls(settings)}
    if protocol == "SASL_SSL":
        mechanism = settings.sasl_mechanism or "SCRAM-SHA-512"
        if mechanism not in MECHANISMS:
            raise KafkaSecurityError(f"VAULT_KAFKA_SASL_MECHANISM must be one of {MECHANISMS}")
        username, password = settings.sasl_username, settings.sasl_password
        if not username or not password:
            raise KafkaSecurityError(
                "SASL_SSL needs VAULT_KAFKA_SASL_USERNAME and VAULT_KAFKA_SASL_PASSWORD (or _FILE)"
            )
        options |= {
            "sasl_mechanism": mechanism,
            "sasl_plain_username": username,
            "sasl_plain_password": password,
        }
    return options


def _tls(settings: KafkaSecuritySettings) -> ssl.SSLContext:
    cafile = settings.ssl_cafile or None
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=cafile)
    certfile, keyfile = settings.ssl_certfile, settings.ssl_keyfile
    if bool(certfile) != bool(keyfile):
        raise KafkaSecurityError("VAULT_KAFKA_SSL_CERTFILE and _KEYFILE go together")
    if certfile:
        context.load_cert_chain(certfile, keyfile)
    return context
