/// The words most common passwords are made of, as people decorate them ("Password1234!",
/// "Juventus1897", "qwerty2026"): a password whose core (``CrackLibBlocklist/core(of:)``) is
/// one of these is refused. Written for this product's users (English and Italian), kept short
/// on purpose: cracklib's dictionary covers the plain words; this covers what attackers try first.
enum CommonPasswords {
    static let words: Set<String> = [
        // Everywhere
        "password", "passw0rd", "passwort", "qwerty", "qwertyuiop", "asdfgh", "asdfghjkl", "zxcvbn", "zxcvbnm", "azerty",
        "letmein", "welcome", "iloveyou", "admin", "administrator", "login", "master", "secret", "dragon", "monkey",
        "sunshine", "princess", "football", "baseball", "soccer", "shadow", "superman", "batman", "starwars", "pokemon",
        "trustno", "whatever", "freedom", "hello", "charlie", "michael", "jordan", "jennifer", "hunter", "ranger",
        "abc", "abcdef", "abcdefgh", "test", "testing", "changeme", "default", "guest", "user", "root", "access",
        "computer", "internet", "samsung", "google", "apple", "iphone", "android", "windows", "linux", "office",
        "summer", "winter", "spring", "autumn", "monday", "friday", "love", "lovely", "angel", "flower", "blessed",
        // Italian
        "ciao", "amore", "amoremio", "tiamo", "ciaociao", "ciaobella", "password", "parola", "parolachiave", "chiave",
        "juventus", "juve", "forzajuve", "napoli", "forzanapoli", "milan", "forzamilan", "inter", "forzainter", "roma",
        "forzaroma", "lazio", "fiorentina", "torino", "genoa", "sampdoria", "italia", "forzaitalia", "francesco",
        "alessandro", "andrea", "giuseppe", "giovanni", "antonio", "marco", "luca", "giulia", "chiara", "federica",
        "sara", "martina", "valentina", "francesca", "mamma", "papa", "famiglia", "estate", "inverno", "primavera",
        "benvenuto", "benvenuti", "segreto", "accesso", "utente", "amministratore", "telefono", "cellulare", "azienda",
        "ufficio", "lavoro", "fattura", "fatture", "cambiami", "prova", "provaprova",
        // Keyboard and number runs
        "qazwsx", "qweasd", "qweasdzxc", "1qaz2wsx", "zaq12wsx", "poiuyt", "mnbvcxz", "aaaaaa", "abcabc",
    ]
}
