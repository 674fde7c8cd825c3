"""Import every model module, so that ``Base.metadata`` knows the whole schema."""

from core.db import Base
from core.register import models as register_models  # noqa: F401
from core.search import models as search_models  # noqa: F401
from core.accounts import models as account_models  # noqa: F401
from core.letters import models as letter_models  # noqa: F401
from core.mail import models as mail_models  # noqa: F401
from core.backoffice import models as backoffice_models  # noqa: F401
from core.audit import models as audit_models  # noqa: F401

metadata = Base.metadata
