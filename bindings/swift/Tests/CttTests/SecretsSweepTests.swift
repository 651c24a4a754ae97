import Foundation
import XCTest
@testable import Ctt

/// Issue 7 part 5 for Swift: every public object that holds a secret, formatted every way Swift
/// offers (String(describing:), String(reflecting:), "\(x)", description/debugDescription, print,
/// debugPrint, dump(), every Mirror child 3 levels deep; errors also localizedDescription and
/// their detail), must not contain any known secret: bearer tokens, client secrets, passwords,
/// fetched access tokens, the callback's access/id/refresh tokens, and a state key.
/// Prints one `SECRETS swift:` line with the counts.
final class SecretsSweepTests: XCTestCase {
    let bearer = "swift-sweep-bearer-5d1e9c"
    let clientSecret = "swift-sweep-client-secret-0b7a"
    let password = "swift-sweep-password-c4e2"
    let keyText = "swift-sweep-state-key-0123456789abcdef"
    let previousKeyText = "swift-sweep-previous-key-fedcba9876543210"
    let access = "eyJhbGciOiJub25lIn0.eyJ0aWQiOiJ0LTEifQ.swift-sweep-access-sig-77aa"
    let idToken = "swift-sweep-id-token-31f0"
    let refresh = "swift-sweep-refresh-token-9e9e"

    var secrets: [String] = []
    var formatted: [(String, String)] = []

    func hex(_ s: String) -> String { Data(s.utf8).map { String(format: "%02x", $0) }.joined() }

    /// Every Swift way of turning `x` into text, and the same for every Mirror child.
    func forms(_ x: Any, depth: Int = 0) -> [String] {
        var out = [String(describing: x), String(reflecting: x), "\(x)", "\([x])"]
        var p = "", d = "", dumped = ""
        print(x, to: &p)
        debugPrint(x, to: &d)
        dump(x, to: &dumped, maxDepth: 6)
        out += [p, d, dumped]
        if let c = x as? CustomStringConvertible { out.append(c.description) }
        if let c = x as? CustomDebugStringConvertible { out.append(c.debugDescription) }
        if let e = x as? Error {
            out.append(e.localizedDescription)
            out.append((e as NSError).description)
            if let ce = e as? CttError {
                out += [ce.description, ce.detail().message, ce.detail().bodySnippet ?? "", "\(ce.detail())"]
            }
        }
        if depth < 3 {
            for child in Mirror(reflecting: x).children {
                out += forms(child.value, depth: depth + 1)
            }
        }
        return out
    }

    func add(_ what: String, _ x: Any?) {
        guard let x = x else { return }
        formatted.append((what, forms(x).joined(separator: "\n")))
    }

    func error(_ what: String, _ want: ErrorKind, _ call: () throws -> Void) {
        do {
            try call()
            XCTFail("\(what): no error")
        } catch {
            guard let e = error as? CttError else { return XCTFail("\(what): \(error)") }
            XCTAssertEqual(e.kind(), want, what)
            add("\(what) (\(e.kind().stableName()))", e)
        }
    }

    func testNoSecretInAnyFormatOfAnyObject() throws {
        secrets = [bearer, clientSecret, password, keyText, previousKeyText, hex(keyText), hex(previousKeyText),
                   Data(keyText.utf8).map { String($0) }.joined(separator: ", "),
                   access, String(access.split(separator: ".").last!), idToken, refresh,
                   "ctt-demo-secret", "demo-password", "ctt-demo-token"]

        let custom = MockAccount(clientId: "swift-sweep-client", clientSecret: clientSecret,
                                 username: "sweep@provider.example", password: password)
        add("MockAccount", custom)
        add("MockAccount.demo", MockAccount.demo())
        let mockConfig = MockServerConfig(accounts: [MockAccount.demo(), custom])
        add("MockServerConfig", mockConfig)
        let mock = try MockServer.start(config: mockConfig)
        defer { try? mock.shutdown() }
        add("MockServer", mock)

        let creds = Credentials.passwordGrant(clientId: "swift-sweep-client", clientSecret: clientSecret,
                                              username: "sweep@provider.example", password: password)
        let bearerCreds = Credentials.bearerToken(token: bearer)
        for (n, c) in [("password grant", creds), ("bearer", bearerCreds), ("demo grant", mockDemoPasswordGrant()),
                       ("demo bearer", mockDemoBearerToken())] {
            add("Credentials (\(n))", c)
            let config = ClientConfig(credentials: c, baseUrl: mock.baseUrl(), timeout: 10, retry: noRetryPolicy(),
                                      useEnvProxy: false)
            add("ClientConfig (\(n))", config)
            add("Client (\(n))", try Client(config: config))
        }
        let client = try Client(config: ClientConfig(credentials: creds, baseUrl: mock.baseUrl(), timeout: 10,
                                                     retry: noRetryPolicy(), useEnvProxy: false))

        // A fetched token: its values are secrets from now on.
        let token = try client.fetchToken()
        secrets.append(token.exposeToken())
        if let r = token.exposeRefreshToken() { secrets.append(r) }
        add("AccessToken", token)

        // The signer and everything that holds it.
        let signer = try FlowSigner(key: Data(keyText.utf8)).withPreviousKey(key: Data(previousKeyText.utf8))
            .withMemoryReplayGuard()
        add("FlowSigner", signer)
        let handlerConfig = CallbackHandlerConfig(signer: signer)
        add("CallbackHandlerConfig", handlerConfig)
        let handler = CallbackHandler.withConfig(config: handlerConfig)
        add("CallbackHandler", handler)
        let listenerConfig = ListenerConfig(handler: handler)
        add("ListenerConfig", listenerConfig)
        let listener = try Listener.start(config: listenerConfig)
        defer { try? listener.shutdown() }
        add("Listener", listener)

        // Registration end to end: the mock POSTs MSAL tokens to the listener.
        let request = ActionUrlRequest(actionType: .registration, enterpriseName: "Secret Corp",
                                       redirectUrl: listener.callbackUrl(), signer: signer)
        add("ActionUrlRequest", request)
        let action = try client.getActionItemUrl(request: request)
        add("ActionUrl", action)
        let delivery = try mock.consent(actionUrl: action.url, decision: .approve)
        add("ConsentDelivery", delivery)
        let event = try XCTUnwrap(try listener.nextEvent(timeout: 20), "no event delivered")
        let auth = try XCTUnwrap(event.authentication(), "not an authentication event")
        let jwt = auth.accessToken.expose()
        secrets += [jwt, String(jwt.split(separator: ".").last ?? "")]
        if let t = auth.idToken?.expose() { secrets.append(t) }
        if let t = auth.refreshToken?.expose() { secrets.append(t) }
        add("CallbackEvent (listener)", event)
        add("CallbackEvent.toJson (listener)", event.toJson())
        add("AuthenticationResult (listener)", auth)

        // A known payload parsed in process, directly and through a handler.
        let body = Data("""
        {"msalAuthenticationResult":{"authenticationResult":{"accessToken":"\(access)",
        "idToken":"\(idToken)","refreshToken":"\(refresh)","expiresOn":1742985175,
        "userInfo":{"displayableId":"admin@acme.example","tenantId":"t-1"}},"tenantId":"t-1"},
        "organization":"Acme","companyAdmin":true}
        """.utf8)
        let parsed = try parseAuthenticationResult(body: body)
        XCTAssertEqual(parsed.accessToken.expose(), access)
        add("AuthenticationResult (parsed)", parsed)
        add("TokenClaims", parsed.claims)
        add("CallbackEvent (handler)", try CallbackHandler().handle(method: "POST", url: "/callback",
                                                                   contentType: "application/json", body: body))

        // The mock's request log holds Authorization headers and password-grant bodies.
        for r in try mock.requests() { add("RecordedRequest \(r.path)", r) }

        // Errors on the way, including servers that echo the caller's secrets.
        error("wrong password", .unauthorized) {
            _ = try Client(config: ClientConfig(credentials: Credentials.passwordGrant(
                clientId: "swift-sweep-client", clientSecret: clientSecret, username: "sweep@provider.example",
                password: password + "-wrong"), baseUrl: mock.baseUrl(), useEnvProxy: false)).fetchToken()
        }
        secrets.append(password + "-wrong")
        error("wrong client secret", .unauthorized) {
            _ = try Client(config: ClientConfig(credentials: Credentials.passwordGrant(
                clientId: "swift-sweep-client", clientSecret: clientSecret + "-wrong", username: "sweep@provider.example",
                password: password), baseUrl: mock.baseUrl(), useEnvProxy: false)).fetchToken()
        }
        secrets.append(clientSecret + "-wrong")
        let plain = ActionUrlRequest(actionType: .cdrConsent, enterpriseName: "Acme", redirectUrl: "https://x.example/cb")
        let bearerClient = try Client(config: ClientConfig(credentials: bearerCreds, baseUrl: mock.baseUrl(),
                                                           retry: noRetryPolicy(), useEnvProxy: false))
        error("unknown bearer", .unauthorized) { _ = try bearerClient.getActionItemUrl(request: plain) }
        try mock.pushFault(endpoint: .actionUrl, fault: .status(status: 500, body: "{\"message\":\"bad token \(bearer)\"}"))
        error("server echoing the bearer (500)", .server) { _ = try bearerClient.getActionItemUrl(request: plain) }
        try mock.pushFault(endpoint: .actionUrl, fault: .status(status: 400, body: "{\"message\":\"bad token \(bearer)\"}"))
        error("server echoing the bearer (400)", .invalidInput) { _ = try bearerClient.getActionItemUrl(request: plain) }
        let echo = "password \(password) secret \(clientSecret)"
        try mock.pushFault(endpoint: .token, fault: .status(
            status: 401, body: "{\"error\":\"invalid_grant\",\"error_description\":\"\(echo)\"}"))
        error("token endpoint echoing (401)", .unauthorized) { _ = try client.fetchToken() }
        try mock.pushFault(endpoint: .token, fault: .status(status: 500, body: echo))
        error("token endpoint echoing (500)", .server) { _ = try client.fetchToken() }
        let wrongPlace = Data("""
        {"msalAuthenticationResult":{"authenticationResult":{"accessToken":"\(access)"}},"companyAdmin":"\(refresh)"}
        """.utf8)
        error("malformed callback", .malformedCallback) { _ = try parseAuthenticationResult(body: wrongPlace) }
        let stateToken = try XCTUnwrap(action.stateToken)
        error("replayed state", .stateRejected) {
            _ = try handler.handle(method: "GET", url: "/callback?ctt_state=\(stateToken)&success=x", contentType: nil,
                                   body: Data())
        }
        error("forged state", .stateRejected) {
            _ = try handler.handle(method: "GET", url: "/callback?ctt_state=forged&success=x", contentType: nil,
                                   body: Data())
        }

        var leaks = 0
        for (what, text) in formatted {
            for s in secrets where !s.isEmpty && text.contains(s) {
                print("SECRETS swift: LEAK in \(what): a \(s.count)-character secret")
                leaks += 1
            }
        }
        print("SECRETS swift: \(formatted.count) objects x ~10 formats (String(describing:), String(reflecting:), "
            + "interpolation, print, debugPrint, dump, Mirror children; errors: localizedDescription, NSError, detail) "
            + "checked against \(secrets.count) known secrets: \(leaks) leak(s)")
        XCTAssertEqual(leaks, 0, "secrets leaked (see the SECRETS lines)")
    }
}
