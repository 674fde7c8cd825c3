"""Register tables.

Every import writes a whole new generation of rows tagged with its ``import_id``; the
single ``register_state`` row names the active generation. Switching that row is the
only write that makes a new register visible, so a search sees one register or the
other, never a mix, and an import that dies leaves only rows nobody reads.

The generation tables (person, person_name_key, aid) carry no foreign keys. The import
writes each generation consistent by construction and deletes it whole. Per-row
foreign-key checks would make those bulk loads and deletes several times slower,
because PostgreSQL runs a trigger for every row.
"""

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base


class RegisterImport(Base):
    """One run of ``dn import`` (or of the back office upload), successful or not."""

    __tablename__ = "register_import"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connector: Mapped[str] = mapped_column(String(64))
    sources: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="running")
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    people: Mapped[int] = mapped_column(Integer, default=0)
    aids: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    forced: Mapped[bool] = mapped_column(default=False)
    dry_run: Mapped[bool] = mapped_column(default=False)
    message: Mapped[str | None] = mapped_column(Text)
    report_path: Mapped[str | None] = mapped_column(Text)
    started_by: Mapped[str | None] = mapped_column(String(200))


class RegisterState(Base):
    """The single row that names the active register generation."""

    __tablename__ = "register_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    active_import_id: Mapped[int | None] = mapped_column(ForeignKey("register_import.id"))
    activated_at: Mapped[datetime | None] = mapped_column(DateTime)


class Person(Base):
    """A person of the register, with the keys that matching looks up.

    Birth dates may be partial: ``birth_month`` and ``birth_day`` are 0 when unknown.
    """

    __tablename__ = "person"
    __table_args__ = (
        UniqueConstraint("import_id", "person_ref"),
        # The lookup by birth date seeks the letter count and filters on the given
        # names in index entries. On PostgreSQL the entries also hold the id, so that
        # the people the filter rejects are never read (SQLite entries always hold it).
        Index(
            "ix_person_birth", "import_id", "birth_year", "birth_month", "birth_day", "first_name_letters",
            "first_name_keys", postgresql_include=["id"],
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    import_id: Mapped[int] = mapped_column(Integer)
    person_ref: Mapped[str] = mapped_column(String(64))
    usage_name: Mapped[str] = mapped_column(String(200))
    birth_name: Mapped[str | None] = mapped_column(String(200))
    first_names: Mapped[str] = mapped_column(String(300))
    sex: Mapped[str | None] = mapped_column(String(1))
    birth_year: Mapped[int] = mapped_column(SmallInteger)
    birth_month: Mapped[int] = mapped_column(SmallInteger, default=0)
    birth_day: Mapped[int] = mapped_column(SmallInteger, default=0)
    first_name_keys: Mapped[str] = mapped_column(String(300), default="")
    # The letters of first_name_keys, spaces left out: the same given names, reordered
    # or glued, have as many.
    first_name_letters: Mapped[int] = mapped_column(SmallInteger)

    aids: Mapped[list["Aid"]] = relationship(
        back_populates="person", lazy="selectin", primaryjoin="Person.id == foreign(Aid.person_id)"
    )

    @property
    def birth_date(self) -> date | None:
        if self.birth_month and self.birth_day:
            return date(self.birth_year, self.birth_month, self.birth_day)
        return None


class PersonNameKey(Base):
    """A normalised surname key of a person, for indexed candidate lookup.

    Each person has one row per distinct key among its usage and birth names, with and
    without leading particles (DE, D', LE …), so that most people have one or two rows.
    The row repeats the person's whole birth date (month and day 0 when unknown) and
    given names. A search probes the exact date and its typo variants (one digit wrong,
    day and month swapped) and filters on the given names in this index alone, because a
    frequent surname has thousands of people.
    """

    __tablename__ = "person_name_key"
    __table_args__ = (
        Index(
            "ix_person_name_key_lookup",
            "name_key", "import_id", "birth_year", "first_name_letters", "birth_month", "birth_day", "person_id",
            "first_name_keys",
        ),
        # A birth year typed with one digit wrong: every year of one day and month.
        Index(
            "ix_person_name_key_date",
            "name_key", "import_id", "birth_month", "birth_day", "birth_year", "person_id", "first_name_keys",
            "first_name_letters",
        ),
        # The few entries with a partial birth date (day unknown), sought by key and year.
        Index(
            "ix_person_name_key_partial_date",
            "name_key", "import_id", "birth_year", "birth_month", "person_id", "first_name_keys",
            sqlite_where=text("birth_day = 0"), postgresql_where=text("birth_day = 0"),
        ),
    )

    person_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    # Keys are A-Z only. On PostgreSQL the "C" collation compares them byte by byte.
    # Under the database's default collation each comparison went through strcoll(),
    # a fifth of the server time of the same-year lookup (1,000,000 people).
    name_key: Mapped[str] = mapped_column(
        String(200).with_variant(String(200, collation="C"), "postgresql"), primary_key=True
    )
    birth_year: Mapped[int] = mapped_column(SmallInteger)
    # No default on purpose: a row written without the person's date would be searched
    # as a partial date. 0 means unknown, as in Person.
    birth_month: Mapped[int] = mapped_column(SmallInteger)
    birth_day: Mapped[int] = mapped_column(SmallInteger)
    import_id: Mapped[int] = mapped_column(Integer)
    # The person's first_name_keys and first_name_letters again, for the same reason:
    # the lookups filter on given names in the index and read only the people they
    # keep. No default either.
    first_name_keys: Mapped[str] = mapped_column(String(300))
    first_name_letters: Mapped[int] = mapped_column(SmallInteger)


class Aid(Base):
    """An aid granted to a person; ``end_date`` is None while it is still open."""

    __tablename__ = "aid"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    person_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), index=True)
    import_id: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(64))
    label: Mapped[str | None] = mapped_column(String(200))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)

    person: Mapped[Person] = relationship(back_populates="aids", primaryjoin="foreign(Aid.person_id) == Person.id")
