"""SQLAlchemy models; importing this package registers every table on db.metadata."""
from quizapp.models.attempt import Answer, Attempt, AttemptQuestion
from quizapp.models.bank import Question, QuestionOption, Topic
from quizapp.models.contest import Contest, Round, Track
from quizapp.models.org import Area, Unit
from quizapp.models.people import Registration, User
from quizapp.models.types import UTCDateTime, utcnow

__all__ = [
    "Answer", "Area", "Attempt", "AttemptQuestion", "Contest", "Question", "QuestionOption",
    "Registration", "Round", "Topic", "Track", "Unit", "User", "UTCDateTime", "utcnow",
]
