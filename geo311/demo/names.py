"""Street names, ordinals and street-type suffixes of the demo region."""

from __future__ import annotations

#: Name stems for named streets (trees, presidents, birds, places, pioneers...).
STEMS = (
    "Oak", "Elm", "Maple", "Cedar", "Pine", "Walnut", "Willow", "Sycamore", "Cypress",
    "Magnolia", "Juniper", "Birch", "Aspen", "Laurel", "Acacia", "Olive", "Almond", "Orange",
    "Lemon", "Peach", "Cherry", "Plum", "Fig", "Pecan", "Hickory", "Chestnut", "Redwood",
    "Sequoia", "Palm", "Poplar", "Alder", "Hawthorn", "Mulberry", "Tamarack", "Manzanita",
    "Washington", "Adams", "Jefferson", "Madison", "Monroe", "Jackson", "Van Buren", "Harrison",
    "Tyler", "Polk", "Taylor", "Fillmore", "Pierce", "Buchanan", "Lincoln", "Johnson", "Grant",
    "Hayes", "Garfield", "Arthur", "Cleveland", "McKinley", "Roosevelt", "Wilson", "Harding",
    "Coolidge", "Hoover", "Truman", "Kennedy", "Robin", "Sparrow", "Oriole", "Meadowlark",
    "Bluebird", "Heron", "Falcon", "Quail", "Dove", "Finch", "Kingfisher", "Tanager", "Plover",
    "Yosemite", "Sierra", "Shasta", "Tahoe", "Kern", "Kings", "Merced", "Tuolumne", "Mariposa",
    "Madera", "Tulare", "Sonora", "Monterey", "Ventura", "Alameda", "Mendocino", "Humboldt",
    "Modoc", "Inyo", "Calaveras", "Amador", "Placer", "Nevada", "Yuba", "Butte", "Glenn",
    "Fremont", "Carson", "Bidwell", "Sutter", "Vallejo", "Alvarado", "Castro", "Estrada",
    "Figueroa", "Pico", "Sepulveda", "Olvera", "Serrano", "Palomar", "Larkin", "Marsh",
    "Dawson", "Holloway", "Prescott", "Whitman", "Emerson", "Thoreau", "Hawthorne", "Irving",
    "Cooper", "Bryant", "Lowell", "Longfellow", "Whittier", "Alcott", "Dickinson", "Muir",
    "Steinbeck", "Saroyan", "London", "Harte", "Twain", "Baldwin", "Fulton", "Edison",
    "Franklin", "Hamilton", "Revere", "Hancock", "Clinton", "Jay", "Marshall", "Warren",
    "Holmes", "Brandeis", "Cardozo", "Bennett", "Chandler", "Crocker", "Hopkins", "Stanford",
    "Huntington", "Spreckels", "Kearney", "Cortez", "Balboa", "Coronado", "De Anza",
    "Portola", "Cabrillo", "Serra", "Amherst", "Bowdoin", "Colby", "Dartmouth", "Harvard",
    "Princeton", "Vassar", "Wellesley", "Yale", "Cornell", "Brown", "Emory", "Tufts", "Rice",
    "Garnet", "Jasper", "Opal", "Onyx", "Topaz", "Beryl", "Agate", "Coral", "Amber", "Pearl",
    "Ruby", "Sapphire", "Jade", "Granite", "Marble", "Quartz", "Cobalt", "Saffron", "Sage",
    "Lavender", "Clover", "Primrose", "Poppy", "Lupine", "Daisy", "Iris", "Jasmine", "Orchid",
    "Dahlia", "Azalea", "Camellia", "Gardenia", "Hibiscus", "Lilac", "Marigold", "Violet",
)

#: USPS street-type abbreviations with their spelled-out forms.
SUFFIX_WORDS = {
    "St": "Street", "Ave": "Avenue", "Blvd": "Boulevard", "Dr": "Drive", "Rd": "Road",
    "Ln": "Lane", "Way": "Way", "Ct": "Court", "Pl": "Place", "Pkwy": "Parkway",
    "Ter": "Terrace", "Cir": "Circle",
}
#: Suffixes (and weights) of named local streets, arterials and cul-de-sacs.
LOCAL_SUFFIXES = (("St", 5), ("Ave", 4), ("Dr", 2), ("Ln", 1), ("Way", 1), ("Pl", 1), ("Ter", 1))
ARTERIAL_SUFFIXES = (("Ave", 5), ("Blvd", 2), ("Rd", 2))
COURT_SUFFIXES = (("Ct", 5), ("Cir", 2), ("Pl", 2), ("Way", 1))

DIRECTION_WORDS = {"N": "North", "S": "South", "E": "East", "W": "West"}

_ORDINAL_WORDS = (
    "Zeroth", "First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth",
    "Ninth", "Tenth", "Eleventh", "Twelfth", "Thirteenth", "Fourteenth", "Fifteenth",
    "Sixteenth", "Seventeenth", "Eighteenth", "Nineteenth", "Twentieth",
)
_TENS = {20: "Twenty", 30: "Thirty", 40: "Forty", 50: "Fifty"}
_TENS_ORDINAL = {30: "Thirtieth", 40: "Fortieth", 50: "Fiftieth"}


def ordinal(n: int) -> str:
    """Return the numeric ordinal of ``n`` ("1st", "2nd", "11th", "23rd")."""
    ending = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{ending}"


def ordinal_words(n: int) -> str | None:
    """Return the spelled-out ordinal of ``n`` ("Fifth", "Twenty-First"), or None above 59."""
    if n <= 20:
        return _ORDINAL_WORDS[n]
    if n >= 60:
        return None
    tens, ones = divmod(n, 10)
    if ones == 0:
        return _TENS_ORDINAL[n]
    return f"{_TENS[tens * 10]}-{_ORDINAL_WORDS[ones]}"

FIRST_NAMES = (
    "Maria", "James", "Linh", "Robert", "Aisha", "Daniel", "Guadalupe", "Kevin", "Priya",
    "Thomas", "Rosa", "Michael", "Ana", "David", "Mei", "Jorge", "Sarah", "Amrit", "Lucia",
    "Samuel", "Teresa", "Hector", "Naomi", "Victor",
)
LAST_NAMES = (
    "Alvarez", "Bennett", "Chavira", "Dhillon", "Escobedo", "Fong", "Gutierrez", "Haddad",
    "Ishikawa", "Jimenez", "Kaur", "Lopez", "Moua", "Nakamura", "Okafor", "Pereira", "Quintero",
    "Rasmussen", "Sandhu", "Tran", "Underwood", "Vang", "Whitfield", "Yamada",
)
