"""geo311: locate, validate and map city 311 service requests."""

from geo311.city import City
from geo311.errors import Geo311Error, InputError, NotFoundError, ProfileError
from geo311.jurisdiction import Locations, Locator, locate_csv
from geo311.profile import Agency, Profile, load_profile

__version__ = "0.1.0"

__all__ = [
    "Agency",
    "City",
    "Geo311Error",
    "InputError",
    "Locations",
    "Locator",
    "NotFoundError",
    "Profile",
    "ProfileError",
    "__version__",
    "load_profile",
    "locate_csv",
]
