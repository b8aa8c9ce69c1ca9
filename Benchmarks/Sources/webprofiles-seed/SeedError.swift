/// A failure of the seeding tool itself (an existing database, a schema it does not know, a
/// self-check that did not hold), shown as is by the argument parser.
struct SeedError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
