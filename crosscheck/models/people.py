"""Schools, subjects, users (with roles and place of work), tokens, conflicts."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, utcnow
from .types import UTCDateTime, str_enum


class Role(str, enum.Enum):
    ORGANISER = "organiser"
    EXPERT = "expert"
    REVIEWER = "reviewer"
    OBSERVER = "observer"


class School(Base):
    __tablename__ = "schools"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    municipality: Mapped[str] = mapped_column(String(200), default="")

    __table_args__ = (CheckConstraint("code <> ''", name="code_not_empty"),)

    def __repr__(self) -> str:
        return f"<School {self.code}>"


class Subject(Base):
    __tablename__ = "subjects"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)


user_subjects = Table(
    "user_subjects",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("subject_id", ForeignKey("subjects.id", ondelete="CASCADE"), primary_key=True),
)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(100), unique=True)
    full_name: Mapped[str] = mapped_column(String(300))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), nullable=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped by logout-everywhere, password change and deactivation: a session cookie
    # carries the version it was issued under and dies when it no longer matches.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Set when someone else chose the password (a generated one, a reset): the next login
    # goes to the password page until the user has chosen their own.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    school: Mapped[School | None] = relationship()
    subjects: Mapped[list[Subject]] = relationship(secondary=user_subjects, order_by=Subject.name)

    __table_args__ = (
        # Experts and reviewers are teachers: where they work decides what they may mark.
        CheckConstraint(
            "role IN ('organiser', 'observer') OR school_id IS NOT NULL", name="teacher_has_school"
        ),
        CheckConstraint("login <> ''", name="login_not_empty"),
    )

    # Flask-Login protocol, kept here so the model needs no Flask import.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def subject_names(self) -> list[str]:
        return [s.name for s in self.subjects]

    def __repr__(self) -> str:
        return f"<User {self.login} {self.role.value}>"


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    user: Mapped[User] = relationship()


class Conflict(Base):
    """A declared conflict of interest: this person must not mark that school's papers."""

    __tablename__ = "conflicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    # Declared by the expert themself (from their home page), not by the organiser or a file.
    self_declared: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship()
    school: Mapped[School] = relationship()

    __table_args__ = (UniqueConstraint("user_id", "school_id"),)


class LoginAttempt(Base):
    """Failed logins, kept in the database so throttling holds across gunicorn workers."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(100), index=True)
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
