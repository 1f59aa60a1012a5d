"""Every model module of Cellgate, imported in one place so that the metadata is complete for
Alembic and for the test that compares models with migrations."""

from ledger import models as ledger_models  # noqa: F401

from .accounts import models as accounts_models  # noqa: F401
from .audit import models as audit_models  # noqa: F401
from .bank import models as bank_models  # noqa: F401
from .content import models as content_models  # noqa: F401
from .devices import models as device_models  # noqa: F401
from .messages import models as messages_models  # noqa: F401
from .money import models as money_models  # noqa: F401
from .outbox import models as outbox_models  # noqa: F401
from .people import models as people_models  # noqa: F401
from .register import models as register_models  # noqa: F401
from .requests import models as requests_models  # noqa: F401
from .shop import models as shop_models  # noqa: F401
from .signin import models as signin_models  # noqa: F401
from .staff import models as staff_models  # noqa: F401
from .visits import models as visits_models  # noqa: F401
