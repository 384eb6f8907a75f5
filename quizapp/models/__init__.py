"""SQLAlchemy models; importing this package registers every table on db.metadata."""
from quizapp.models.attempt import Answer, Attempt, AttemptQuestion
from quizapp.models.bank import Collection, LegalDocument, Question, QuestionOption, Topic
from quizapp.models.contest import Contest, ContestTopic, Round, Track
from quizapp.models.live import LiveAnswer, LivePlayer, LiveSession
from quizapp.models.org import Area, OrganizingBody, Unit
from quizapp.models.people import OneTimeToken, Registration, StaffMembership, User
from quizapp.models.privacy import DataRequest
from quizapp.models.results import ContestEntry, CountedEntry, EntryReview, ResultEntry, ResultSet
from quizapp.models.review import AuditLog, DuplicateCandidate, ReviewFlag
from quizapp.models.types import UTCDateTime, utcnow

__all__ = [
    "Collection", "ContestTopic", "LegalDocument", "OneTimeToken", "OrganizingBody", "StaffMembership",
    "Answer", "Area", "Attempt", "AttemptQuestion", "AuditLog", "Contest", "DuplicateCandidate", "Question",
    "QuestionOption", "Registration", "ReviewFlag", "Round", "Topic", "Track", "Unit", "User", "UTCDateTime", "utcnow",
    "ContestEntry", "CountedEntry", "DataRequest", "EntryReview", "ResultEntry", "ResultSet",
    "LiveAnswer", "LivePlayer", "LiveSession",
]
