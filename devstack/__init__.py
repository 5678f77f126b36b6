"""Dev stack for Customer Vault: PostgreSQL and Apache Kafka for tests and ``make run``.

See docs/devstack.md. ``LocalStack().start()`` returns :class:`Endpoints`; for each service it uses
the environment (``DATABASE_URL`` / ``KAFKA_BOOTSTRAP_SERVERS``) if set, else Docker via
testcontainers if an engine answers, else local processes.
"""

from devstack.process import ServiceStartError
from devstack.stack import Endpoints, LocalStack

__all__ = ["Endpoints", "LocalStack", "ServiceStartError"]
