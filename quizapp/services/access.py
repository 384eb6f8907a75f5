"""Who may see and do what. The one place where staff scoping is decided.

Admins see and do everything, site-wide. Every other staff member holds a membership per contest:
organizer (everything in that contest) or moderator of a unit or an area (reads and exports what belongs to
that unit or area, decides nothing). A contest without a membership does not exist for them: callers turn
`None` into a 404, so staff of contest A cannot even learn that a page of contest B exists.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import false, or_, select, true

from quizapp.domain.errors import DomainError
from quizapp.extensions import db
from quizapp.models import Area, Contest, OrganizingBody, Registration, StaffMembership, Unit, User

ADMIN, ORGANIZER, MODERATOR = "admin", "organizer", "moderator"
ROLE_LABELS = {ADMIN: "Quản trị hệ thống", ORGANIZER: "Ban Tổ chức", MODERATOR: "Theo dõi đơn vị/địa bàn"}


class AccessError(DomainError):
    """Not allowed (Vietnamese message); `not_found` when the thing must not even be known to exist."""


@dataclass(frozen=True)
class Access:
    """What one staff member may do in one contest."""

    user_id: int
    contest_id: int
    role: str  # ADMIN, ORGANIZER or MODERATOR
    unit_id: int | None = None
    area_id: int | None = None

    @property
    def can_decide(self) -> bool:
        """Organisers and admins decide (results, review, setup); moderators only read their scope."""
        return self.role in (ADMIN, ORGANIZER)

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @property
    def sees_everything(self) -> bool:
        return self.role != MODERATOR

    @property
    def sees_personal_data(self) -> bool:
        """CCCD and phone in full: admins only (organisers see them masked, as everyone else)."""
        return self.role == ADMIN

    @property
    def sees_winner_contacts(self) -> bool:
        """Prize winners' phone, CCCD, birth date and e-mail in the results file (to hand out the prizes): admins
        and the contest's organisers; moderators never. The only place organisers see these in full."""
        return self.can_decide


def for_contest(user: User | None, contest: Contest | int | None) -> Access | None:
    """This user's access to the contest, or None (not staff of it)."""
    if user is None or contest is None or not getattr(user, "is_authenticated", False) or not user.is_staff:
        return None
    contest_id = contest if isinstance(contest, int) else contest.id
    if user.is_admin:
        return Access(user.id, contest_id, ADMIN)
    member = db.session.scalar(select(StaffMembership).where(
        StaffMembership.user_id == user.id, StaffMembership.contest_id == contest_id))
    if member is None:
        return None
    return Access(user.id, contest_id, member.role, member.unit_id, member.area_id)


def require(user: User | None, contest: Contest | int | None, *, decide: bool = False) -> Access:
    """The access, or AccessError: `not_found` without a membership, `forbidden` for a moderator's decision."""
    access = for_contest(user, contest)
    if access is None:
        raise AccessError("Không tìm thấy trang bạn yêu cầu.", "not_found")
    if decide and not access.can_decide:
        raise AccessError("Chỉ Ban Tổ chức cuộc thi được thực hiện thao tác này.", "forbidden")
    return access


def contests_for(user: User | None) -> list[Contest]:
    """The contests this staff member works on, newest first (every contest for admins)."""
    if user is None or not user.is_staff:
        return []
    query = select(Contest).order_by(Contest.id.desc())
    if not user.is_admin:
        query = query.where(Contest.id.in_(select(StaffMembership.contest_id).where(StaffMembership.user_id == user.id)))
    return list(db.session.scalars(query))


def organizer_bodies(user: User | None) -> list[OrganizingBody]:
    """Organising bodies this user may create contests and own questions for (every body for admins)."""
    if user is None or not user.is_staff:
        return []
    query = select(OrganizingBody).order_by(OrganizingBody.name)
    if not user.is_admin:
        query = query.where(OrganizingBody.id.in_(
            select(Contest.organizing_body_id).join(StaffMembership, StaffMembership.contest_id == Contest.id)
            .where(StaffMembership.user_id == user.id, StaffMembership.role == ORGANIZER)))
    return list(db.session.scalars(query))


def may_edit_body(user: User | None, body_id: int | None) -> bool:
    """Admins, and organisers of any contest of that body, edit the body's own question collections."""
    if user is None or body_id is None or not user.is_staff:
        return False
    return user.is_admin or any(b.id == body_id for b in organizer_bodies(user))


# ---------------------------------------------------------------- what a moderator sees


def subtree_ids(model, root_id: int) -> list[int]:
    """The ids of `root_id` and everything under it (areas or units)."""
    ids, frontier = [root_id], [root_id]
    while frontier:
        frontier = list(db.session.scalars(select(model.id).where(model.parent_id.in_(frontier))))
        ids += frontier
    return ids


def registration_condition(access: Access | None):
    """A condition on Registration: the entries this access may see, within its contest."""
    if access is None:
        return false()
    in_contest = Registration.contest_id == access.contest_id
    if access.sees_everything:
        return in_contest
    parts = []
    if access.unit_id:
        parts.append(Registration.unit_id.in_(subtree_ids(Unit, access.unit_id)))
    if access.area_id:
        parts.append(Registration.area_id.in_(subtree_ids(Area, access.area_id)))
    return in_contest & (or_(*parts) if parts else false())


def unit_condition(access: Access | None):
    """A condition on Unit: the units this access may see."""
    if access is None:
        return false()
    in_contest = Unit.contest_id == access.contest_id
    if access.sees_everything:
        return in_contest
    if access.unit_id:
        return in_contest & Unit.id.in_(subtree_ids(Unit, access.unit_id))
    if access.area_id:
        return in_contest & Unit.area_id.in_(subtree_ids(Area, access.area_id))
    return false()


def area_condition(access: Access | None):
    """A condition on Area: the areas this access may see."""
    if access is None:
        return false()
    in_contest = Area.contest_id == access.contest_id
    if access.sees_everything:
        return in_contest
    if access.area_id:
        return in_contest & Area.id.in_(subtree_ids(Area, access.area_id))
    return false()


def sees_registration(access: Access | None, registration_id: int) -> bool:
    return bool(db.session.scalar(select(Registration.id).where(
        Registration.id == registration_id, registration_condition(access))))


def scope_label(access: Access) -> str:
    """What this access covers, in Vietnamese ("toàn cuộc thi", "đơn vị Sở Nội vụ", ...)."""
    if access.sees_everything:
        return "toàn cuộc thi"
    parts = []
    if access.unit_id:
        parts.append("đơn vị " + (db.session.get(Unit, access.unit_id).name))
    if access.area_id:
        parts.append("địa bàn " + (db.session.get(Area, access.area_id).name))
    return ", ".join(parts)


def everything() -> object:
    """A condition that holds for every row (the command line acts as the site operator)."""
    return true()
