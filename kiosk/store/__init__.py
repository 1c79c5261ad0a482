"""Anonymous session storage: schema, migrations, the Store, outbox forwarding and stats."""

from kiosk.store.db import Store, StoreUnavailable
from kiosk.store.records import SessionRecord, new_record, utcnow

__all__ = ["SessionRecord", "Store", "StoreUnavailable", "new_record", "utcnow"]
