"""Word pools of the synthetic catalogue: titles, names, review sentences in several languages.

Only data lives here; ``catalogue.py`` draws from it with a per-id random generator, so changing a pool changes
the catalogue (and every recorded simulator history) but never its determinism.
"""

from __future__ import annotations

# Data tables read better packed than one item per line.
# fmt: off
# TMDB's 19 movie genres, with a weight that makes Drama, Comedy and Thriller common and Western or TV Movie rare.
GENRES: tuple[tuple[int, str, int], ...] = (
    (28, "Action", 12),
    (12, "Adventure", 8),
    (16, "Animation", 5),
    (35, "Comedy", 16),
    (80, "Crime", 7),
    (99, "Documentary", 6),
    (18, "Drama", 22),
    (10751, "Family", 5),
    (14, "Fantasy", 5),
    (36, "History", 3),
    (27, "Horror", 8),
    (10402, "Music", 3),
    (9648, "Mystery", 5),
    (10749, "Romance", 9),
    (878, "Science Fiction", 6),
    (10770, "TV Movie", 2),
    (53, "Thriller", 12),
    (10752, "War", 2),
    (37, "Western", 1),
)

# original_language -> weight; English dominates as on TMDB.
LANGUAGES: tuple[tuple[str, str, str, int], ...] = (
    ("en", "English", "English", 58),
    ("fr", "French", "Français", 6),
    ("es", "Spanish", "Español", 6),
    ("ja", "Japanese", "日本語", 5),
    ("de", "German", "Deutsch", 4),
    ("ko", "Korean", "한국어/조선말", 4),
    ("hi", "Hindi", "हिन्दी", 4),
    ("it", "Italian", "Italiano", 3),
    ("zh", "Mandarin", "普通话", 3),
    ("pt", "Portuguese", "Português", 3),
    ("ru", "Russian", "Pусский", 2),
    ("sv", "Swedish", "svenska", 2),
)

COUNTRIES: dict[str, tuple[str, str]] = {
    "en": ("US", "United States of America"),
    "fr": ("FR", "France"),
    "es": ("ES", "Spain"),
    "ja": ("JP", "Japan"),
    "de": ("DE", "Germany"),
    "ko": ("KR", "South Korea"),
    "hi": ("IN", "India"),
    "it": ("IT", "Italy"),
    "zh": ("CN", "China"),
    "pt": ("BR", "Brazil"),
    "ru": ("RU", "Russia"),
    "sv": ("SE", "Sweden"),
}

TITLE_ADJECTIVES = (
    "Silent", "Last", "Broken", "Crimson", "Hidden", "Endless", "Golden", "Midnight", "Lost", "Wild", "Quiet",
    "Burning", "Frozen", "Savage", "Electric", "Hollow", "Secret", "Final", "Dark", "Bright", "Distant", "Iron",
    "Velvet", "Paper", "Glass", "Restless", "Little", "Perfect", "Forgotten", "Bitter", "Sweet", "Lucky",
)
TITLE_NOUNS = (
    "Harbor", "Kingdom", "Promise", "Signal", "River", "Empire", "Garden", "Storm", "Mirror", "Frontier", "Echo",
    "Horizon", "Legacy", "Shadow", "Winter", "Summer", "Road", "Voyage", "Heart", "Machine", "Protocol", "City",
    "Night", "Dawn", "Island", "Code", "Game", "Ghost", "Witness", "Orbit", "Lighthouse", "Inheritance", "Heist",
    "Reckoning", "Tide", "Circus", "Archive", "Paradise", "Station", "Covenant", "Dynasty", "Outpost", "Letters",
)
TITLE_SEQUELS = ("2", "3", "II", "III", ": Part Two", ": Resurrection", ": The Return", ": Origins")

# Original titles of non-English films: a few real-sounding phrases per language.
ORIGINAL_TITLES: dict[str, tuple[str, ...]] = {
    "fr": ("La Nuit blanche", "Le Dernier Été", "Les Enfants du port", "L'Écume des jours", "Un homme pressé",
           "La Mémoire de l'eau", "Les Fantômes d'Ivry", "Le Silence des forêts"),
    "es": ("El último verano", "La casa de las flores", "Niebla en el puerto", "Los años perdidos",
           "Mañana será otro día", "El jardín secreto", "Sombras de Madrid"),
    "ja": ("夜の旅", "約束の海", "風の声", "東京の庭", "最後の夏", "影と光", "忘れられた駅"),
    "de": ("Die stille Nacht", "Das letzte Kapitel", "Im Schatten der Stadt", "Der lange Weg", "Kinder des Winters",
           "Zwischen den Welten"),
    "ko": ("밤의 여행", "마지막 여름", "기억의 바다", "서울의 그림자", "약속", "푸른 정원"),
    "hi": ("रात का सफ़र", "आख़िरी गर्मी", "दिल की बात", "सपनों का शहर", "ख़ामोश धड़कन"),
    "it": ("L'ultima estate", "La città nascosta", "Il silenzio del mare", "Notte d'inverno", "I giorni perduti"),
    "zh": ("夜行", "最后的夏天", "沉默的河", "城市之光", "归途"),
    "pt": ("O Último Verão", "A Casa do Mar", "Cidade de Sombras", "Saudade", "Os Dias Perdidos"),
    "ru": ("Тихая ночь", "Последнее лето", "Дорога домой", "Тени города", "Зимний сад"),
    "sv": ("Den sista sommaren", "Skuggor i staden", "Tyst natt", "Vägen hem"),
}

OVERVIEW_SUBJECTS = (
    "a retired detective", "two estranged sisters", "a young architect", "a disgraced pilot", "an aging rock star",
    "a small-town teacher", "a gifted hacker", "a widowed farmer", "a rookie journalist", "an exiled prince",
    "a team of unlikely thieves", "a stubborn marine biologist", "a lonely android", "a grieving father",
)
OVERVIEW_EVENTS = (
    "a mysterious letter arrives", "the city loses power for a week", "an old friend returns with a secret",
    "a storm cuts the island off from the mainland", "a routine job goes terribly wrong",
    "a long-lost map resurfaces", "an impossible signal is detected", "the family business is sold",
)
OVERVIEW_GOALS = (
    "uncover the truth", "find a way home", "save what is left of the family", "win back a lost love",
    "stop a conspiracy", "survive one last night", "protect a child who knows too much", "settle an old score",
)
OVERVIEW_ENDINGS = (
    "before time runs out", "at any cost", "while the world watches", "without losing themselves",
    "before the winter comes", "as old wounds reopen",
)

TAGLINES = (
    "Some secrets never sleep.", "The end is only the beginning.", "Every family has a story.",
    "Trust no one.", "One night. One chance.", "Based on a true story.", "Home is where the heart breaks.",
    "The truth has a price.", "", "",
)

KEYWORDS: tuple[tuple[int, str], ...] = tuple(
    (9700 + index * 7, name)
    for index, name in enumerate(
        (
            "based on novel or book", "friendship", "revenge", "murder", "love", "small town", "new york city",
            "dystopia", "time travel", "heist", "coming of age", "sequel", "superhero", "based on true story",
            "female protagonist", "road trip", "prison", "artificial intelligence", "family relationships",
            "high school", "serial killer", "world war ii", "space", "island", "survival", "father son relationship",
            "mother daughter relationship", "betrayal", "corruption", "police", "biography", "sports", "music",
            "dance", "haunted house", "zombie", "vampire", "alien", "robot", "post-apocalyptic future",
            "parallel world", "magic", "dragon", "martial arts", "car chase", "spy", "assassin", "mafia",
            "drug trafficking", "journalism", "courtroom", "hospital", "wedding", "christmas", "holiday",
            "paris, france", "tokyo, japan", "london, england", "los angeles, california", "desert", "ocean",
            "mountain", "snow", "ghost", "curse", "cult", "conspiracy", "hacker", "virtual reality", "pandemic",
            "remake", "anime", "duringcreditsstinger", "aftercreditsstinger", "woman director", "lgbt", "satire",
            "dark comedy", "mockumentary", "found footage", "slasher", "psychological thriller", "neo-noir",
            "period drama", "historical figure", "political", "war crimes", "refugee", "immigration", "poverty",
            "rich family", "inheritance", "amnesia", "twins", "kidnapping", "hostage", "bank robbery", "undercover",
        )
    )
)

COMPANIES: tuple[tuple[int, str, str], ...] = (
    (1, "Lucasfilm Ltd.", "US"), (2, "Walt Disney Pictures", "US"), (4, "Paramount Pictures", "US"),
    (5, "Columbia Pictures", "US"), (33, "Universal Pictures", "US"), (174, "Warner Bros. Pictures", "US"),
    (25, "20th Century Fox", "US"), (420, "Marvel Studios", "US"), (521, "DreamWorks Animation", "US"),
    (3, "Pixar", "US"), (41077, "A24", "US"), (3172, "Blumhouse Productions", "US"), (104, "Canal+", "FR"),
    (94, "Gaumont", "FR"), (83, "France 2 Cinéma", "FR"), (7294, "Netflix", "US"), (882, "Toho", "JP"),
    (10342, "Studio Ghibli", "JP"), (4399, "CJ Entertainment", "KR"), (7036, "Showbox", "KR"),
    (1569, "Yash Raj Films", "IN"), (1884, "Dharma Productions", "IN"), (21, "Metro-Goldwyn-Mayer", "US"),
    (1632, "Lionsgate", "US"), (10163, "Working Title Films", "GB"), (7576, "Eon Productions", "GB"),
    (1645, "Scott Free Productions", "GB"), (12, "New Line Cinema", "US"), (923, "Legendary Pictures", "US"),
    (6194, "Warner Bros. Animation", "US"), (9195, "Les Films du Losange", "FR"), (7981, "Pathé", "FR"),
    (2785, "Warner Bros. Television", "US"), (11461, "Bad Robot", "US"), (5358, "Constantin Film", "DE"),
    (12372, "El Deseo", "ES"), (3268, "HBO Films", "US"), (84424, "Neon", "US"), (6704, "Illumination", "US"),
    (26281, "O2 Filmes", "BR"), (11391, "Mosfilm", "RU"), (3324, "SVT", "SE"), (9993, "China Film Group", "CN"),
    (13184, "Rai Cinema", "IT"),
)

COLLECTIONS = (
    "The Shadow Collection", "Harbor Saga", "Endless Night Trilogy", "Kingdom Chronicles", "Signal Collection",
)

# Person names: first names by gender (TMDB gender 1 female, 2 male, 0 not set, 3 non-binary).
FEMALE_FIRST = (
    "Emma", "Olivia", "Sofia", "Zoë", "Chloé", "Yuki", "Ji-woo", "Priya", "Amara", "Ngozi", "Isabella", "Léa",
    "Ingrid", "Aiko", "Mariana", "Fatima", "Anya", "Greta", "Camila", "Mei", "Saoirse", "Ayesha", "Nadia",
    "Charlotte", "Hannah", "Valentina", "Ewa", "Sigrid", "Deepika", "Lupita",
)
MALE_FIRST = (
    "James", "Liam", "Lucas", "José", "Hiroshi", "Min-jun", "Arjun", "Chidi", "Mateo", "Björn", "Søren", "Ethan",
    "Omar", "Kenji", "Pierre", "Giovanni", "Dmitri", "Rafael", "Noah", "Samuel", "Wei", "Tomás", "Kwame", "Ravi",
    "Daniel", "Henrik", "Luca", "Joaquín", "Idris", "Takeshi",
)
NEUTRAL_FIRST = ("Alex", "Sam", "Robin", "Jordan", "Kai", "Noor", "Rin", "Sasha", "Charlie", "Quinn")
LAST_NAMES = (
    "Smith", "Johnson", "García", "Müller", "Dubois", "Rossi", "Tanaka", "Kim", "Sharma", "Okafor", "Nielsen",
    "Andersson", "Kowalski", "Silva", "Ivanova", "Chen", "Wang", "Nakamura", "Park", "Patel", "Mensah", "O'Brien",
    "Fernández", "Lefèvre", "Bianchi", "Schmidt", "Yamamoto", "Lee", "Khan", "Adeyemi", "Larsen", "Novak",
    "Costa", "Petrov", "Liu", "Watanabe", "Choi", "Gupta", "Eze", "Murphy", "Hughes", "Moreau", "Romano",
    "Fischer", "Suzuki", "Jung", "Reddy", "Nwosu", "Berg", "Lindqvist", "Santos", "Volkova", "Zhang", "Okoye",
)
# Alternative spellings in other scripts for also_known_as.
ALSO_KNOWN_AS_SCRIPTS = ("ジェームズ", "제임스", "Джеймс", "詹姆斯", "جيمس", "ג'יימס", "Τζέιμς", "เจมส์")
BIRTH_PLACES = (
    "Los Angeles, California, USA", "London, England, UK", "Paris, France", "Tokyo, Japan", "Seoul, South Korea",
    "Mumbai, Maharashtra, India", "Lagos, Nigeria", "Madrid, Spain", "Rome, Italy", "Berlin, Germany",
    "Stockholm, Sweden", "São Paulo, Brazil", "Moscow, Russia", "Beijing, China", "Toronto, Ontario, Canada",
    "Sydney, New South Wales, Australia", "Mexico City, Mexico", "Dublin, Ireland", "Copenhagen, Denmark",
    "Buenos Aires, Argentina",
)
BIOGRAPHY_SENTENCES = (
    "{name} is an acclaimed performer known for intense, understated roles.",
    "Born in {place}, {name} began acting in community theatre before moving into film.",
    "{name} studied at a conservatory and worked for years on stage.",
    "After a breakout role in an independent drama, {name} became one of the most sought-after talents of the decade.",
    "{name} is also a producer and an advocate for film preservation.",
    "Outside of film, {name} is a published poet and a keen mountaineer.",
    "{name} has received several festival awards and an honorary doctorate.",
)
CHARACTER_TITLES = ("Detective", "Dr.", "Captain", "Agent", "Professor", "Officer", "Sister", "Uncle", "Mrs.", "Mr.")
CHARACTER_EXTRAS = ("Himself", "Herself", "Narrator (voice)", "Young {first}", "{first} (uncredited)", "Bartender",
                    "Nurse", "Reporter", "Guard #2", "Taxi Driver")

# Crew jobs with their department; the weight says how many of each a large crew has.
CREW_JOBS: tuple[tuple[str, str, int], ...] = (
    ("Screenplay", "Writing", 2), ("Writer", "Writing", 2), ("Novel", "Writing", 1), ("Story", "Writing", 1),
    ("Producer", "Production", 4), ("Executive Producer", "Production", 5), ("Casting", "Production", 2),
    ("Co-Producer", "Production", 2), ("Original Music Composer", "Sound", 1), ("Sound Designer", "Sound", 2),
    ("Sound Re-Recording Mixer", "Sound", 2), ("Supervising Sound Editor", "Sound", 1),
    ("Director of Photography", "Camera", 1), ("Camera Operator", "Camera", 3), ("Steadicam Operator", "Camera", 1),
    ("Editor", "Editing", 1), ("Assistant Editor", "Editing", 2), ("Colorist", "Editing", 1),
    ("Production Design", "Art", 1), ("Art Direction", "Art", 3), ("Set Decoration", "Art", 2),
    ("Costume Design", "Costume & Make-Up", 1), ("Makeup Artist", "Costume & Make-Up", 4),
    ("Hairstylist", "Costume & Make-Up", 3), ("Visual Effects Supervisor", "Visual Effects", 2),
    ("VFX Artist", "Visual Effects", 8), ("Compositor", "Visual Effects", 5), ("Stunt Coordinator", "Crew", 1),
    ("Stunts", "Crew", 6), ("Gaffer", "Lighting", 1), ("Electrician", "Lighting", 4),
    ("First Assistant Director", "Directing", 1), ("Script Supervisor", "Directing", 1),
    ("Location Manager", "Production", 2), ("Unit Production Manager", "Production", 1),
)
PERSON_DEPARTMENTS = ("Directing", "Writing", "Production", "Sound", "Camera", "Editing", "Art", "Crew",
                      "Visual Effects", "Costume & Make-Up", "Lighting")

REVIEW_AUTHORS = (
    "cinephile_42", "Mr. Blockbuster", "sarah.m", "FilmFanatic", "popcorn_queen", "the_critic", "Kamil",
    "movie_buff_88", "Reel Talk", "Gimly", "Manuel São Bento", "CinemaSerf", "Chris Sawin", "jt_watches",
    "nocturne", "Ewerton", "ハルキ", "민수", "Ларс", "dolores_h",
)

REVIEW_POSITIVE = (
    "An absolute triumph from start to finish.",
    "The performances are stunning and deeply moving.",
    "I loved every minute of it and would happily watch it again.",
    "The cinematography is gorgeous; every frame could hang in a gallery.",
    "A brilliant, funny and heartfelt film.",
    "The score is beautiful and lingers long after the credits.",
    "Easily one of the best films of the year.",
    "Smart writing, great pacing and a fantastic cast.",
    "It made me laugh, it made me cry, and it made me think.",
    "The lead gives a career-best performance.",
)
REVIEW_NEGATIVE = (
    "Unfortunately, the plot is a mess and the pacing drags terribly.",
    "I was bored for most of the running time.",
    "The dialogue is clumsy and the characters are paper thin.",
    "A disappointing waste of a talented cast.",
    "The third act falls apart completely.",
    "Too long, too loud and far too predictable.",
    "The CGI looks cheap and the action is incoherent.",
    "I really wanted to like it, but it is a dull, lifeless film.",
    "The ending is frustrating and makes no sense.",
    "Honestly one of the worst films I have seen in years.",
)
REVIEW_NEUTRAL = (
    "I watched it on a Sunday afternoon with my family.",
    "The film runs a little over two hours.",
    "It is based on a novel I have not read.",
    "The story follows a familiar structure.",
    "Some scenes were shot on location in the mountains.",
    "The trailer gives away most of the premise.",
    "It is the director's third feature.",
)
# Non-English reviews (positive, negative) per language: TMDB's reviews are mostly English but not only.
REVIEW_FOREIGN: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "fr": (("Un film magnifique, je le recommande vivement.", "Les acteurs sont formidables."),
           ("Quel ennui, je me suis endormi.", "Le scénario est complètement raté.")),
    "es": (("Una película preciosa, me encantó.", "La fotografía es espectacular."),
           ("Muy aburrida y demasiado larga.", "El guion no tiene ningún sentido.")),
    "pt": (("Um filme incrível, vale muito a pena.", "Atuações maravilhosas."),
           ("Que decepção, o roteiro é fraco.", "Longo demais e sem emoção.")),
    "de": (("Ein wunderbarer Film, absolut sehenswert.", "Die Musik ist großartig."),
           ("Langweilig und viel zu lang.", "Die Handlung ergibt keinen Sinn.")),
    "ja": (("素晴らしい映画でした。", "映像がとても美しい。"), ("退屈でした。", "ストーリーが分かりにくい。")),
    "ko": (("정말 최고의 영화입니다.", "배우들의 연기가 훌륭해요."), ("너무 지루했어요.", "결말이 실망스러웠습니다.")),
    "it": (("Un film bellissimo, da vedere.", "La regia è eccellente."),
           ("Noioso e prevedibile.", "Una delusione totale.")),
}
EMOJI_POSITIVE = ("😍", "🔥", "👏", "🍿", "❤️", "⭐⭐⭐⭐⭐", "😂", "🎬")
EMOJI_NEGATIVE = ("👎", "😴", "🙄", "💤", "😡", "⭐")
# fmt: on
