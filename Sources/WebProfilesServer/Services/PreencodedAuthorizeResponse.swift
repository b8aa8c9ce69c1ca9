import CBOR
import WebProfilesAPI

/// An ``AuthorizeResponse`` whose principal is the cached principal's CBOR: the same keys in the
/// same order, so it encodes byte for byte as the `AuthorizeResponse` would, without encoding the
/// principal again on every call.
struct PreencodedAuthorizeResponse: Encodable, Sendable {
    var allowed: Bool
    var reason: String
    var principal: CBOREncodedValue
}
