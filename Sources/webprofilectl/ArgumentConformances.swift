import ArgumentParser
import WebProfilesDomain

// The domain's enumerations as command-line values: parsed, validated (with the list of values
// in the error) and completed by ArgumentParser itself.
extension Permission: ExpressibleByArgument {}
extension Profile: ExpressibleByArgument {}
extension RegistrationStatus: ExpressibleByArgument {}
extension LineKind: ExpressibleByArgument {}
