/// The version of webprofiled, its client library and CLI.
public let webProfilesVersion = "0.1.0"
