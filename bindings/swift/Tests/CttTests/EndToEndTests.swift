import Foundation
import XCTest
@testable import Ctt

/// The whole flow on loopback for each action type, approved and denied: client → mock →
/// simulated Global Admin → listener → verified event.
final class EndToEndTests: XCTestCase {
    var mock: MockServer!
    var signer: FlowSigner!
    var listener: Listener!
    var client: Client!

    override func setUpWithError() throws {
        mock = try MockServer.start(config: MockServerConfig())
        signer = try FlowSigner(key: Data((0..<32).map { UInt8($0) }))
        let handler = CallbackHandler.withConfig(config: CallbackHandlerConfig(signer: signer))
        listener = try Listener.start(config: ListenerConfig(handler: handler))
        client = try Client(config: ClientConfig(credentials: mockDemoPasswordGrant(), baseUrl: mock.baseUrl(),
                                                 useEnvProxy: false))
    }

    override func tearDownWithError() throws {
        try listener.shutdown()
        try mock.shutdown()
        client = nil
        listener = nil
        mock = nil
    }

    func flow(_ type: ActionType) throws {
        for decision in [Decision.approve, Decision.deny] {
            let request = ActionUrlRequest(actionType: type, enterpriseName: " Acme Corp ",
                                           redirectUrl: listener.callbackUrl(), signer: signer)
            let url = try client.getActionItemUrl(request: request)
            XCTAssertTrue(url.consent.isAuthorize, url.url)
            XCTAssertNotNil(url.stateToken)
            let delivery = try mock.consent(actionUrl: url.url, decision: decision)
            XCTAssertEqual(delivery.actionType, type)
            XCTAssertEqual(delivery.status, 200, delivery.responseBody)
            guard let event = try listener.nextEvent(timeout: 20) else {
                XCTFail("\(type) \(decision): no event delivered")
                continue
            }
            XCTAssertEqual(event.state()?.actionType, type)
            XCTAssertEqual(event.state()?.enterpriseName, "Acme Corp")
            switch (decision, type.callbackStyle()) {
            case (.approve, .jsonPost):
                XCTAssertEqual(event.kind(), .authenticated)
                let auth = try XCTUnwrap(event.authentication())
                XCTAssertEqual(auth.organization, "Acme Corp")
                let token = auth.accessToken.expose()
                XCTAssertFalse(token.isEmpty)
                XCTAssertFalse(String(describing: auth).contains(token))
                XCTAssertFalse(event.description.contains(token))
                XCTAssertEqual(auth.expiry.source, .jwtExp)
            case (.approve, _):
                XCTAssertEqual(event.kind(), .consentSucceeded)
                XCTAssertEqual(event.consent()?.outcome.message(), delivery.message)
            case (.deny, _):
                XCTAssertEqual(event.kind(), .consentFailed)
                XCTAssertTrue(event.failureMessage()?.contains("Global Admin") ?? false)
            }
            let progress = ConsentProgress(plan: ConsentPlan.forServices(services: allServices()))
            XCTAssertEqual(progress.recordEvent(event: event), ConsentPlan.forServices(services: allServices()).contains(actionType: type))
        }
    }

    func testRegistration() throws { try flow(.registration) }
    func testLoginEnterpriseAdmin() throws { try flow(.loginEnterpriseAdmin) }
    func testUserSyncConsent() throws { try flow(.userSyncConsent) }
    func testPresenceConsent() throws { try flow(.presenceConsent) }
    func testCallAppConsent() throws { try flow(.callAppConsent) }
    func testContactsConsent() throws { try flow(.contactsConsent) }
    func testCdrConsent() throws { try flow(.cdrConsent) }
    func testCallRecordingConsent() throws { try flow(.callRecordingConsent) }
    func testServiceProviderManagementConsent() throws { try flow(.serviceProviderManagementConsent) }

    func testAllNineAreCovered() {
        XCTAssertEqual(allActionTypes().count, 9)
    }

    func testForgedStateIsRefused() throws {
        let other = try FlowSigner(key: Data(repeating: 7, count: 32))
        let url = try client.getActionItemUrl(request: ActionUrlRequest(
            actionType: .cdrConsent, enterpriseName: "Acme", redirectUrl: listener.callbackUrl(), signer: other))
        let delivery = try mock.consent(actionUrl: url.url, decision: .approve)
        XCTAssertEqual(delivery.status, 403)
        XCTAssertNil(try listener.nextEvent(timeout: 0.3))
        XCTAssertEqual(listener.delivered(), 0)
    }
}

final class AsyncTests: XCTestCase {
    func testAsyncFlow() async throws {
        let mock = try await startMockServerAsync(config: MockServerConfig())
        let listener = try Listener.start(config: ListenerConfig())
        let client = try Client(config: ClientConfig(credentials: mockDemoPasswordGrant(), baseUrl: mock.baseUrl(),
                                                     useEnvProxy: false))
        let urls = try await withThrowingTaskGroup(of: ActionUrl.self) { group in
            for t in allActionTypes() {
                group.addTask {
                    try await client.getActionItemUrlAsync(request: ActionUrlRequest(
                        actionType: t, enterpriseName: "Acme", redirectUrl: listener.callbackUrl()))
                }
            }
            var all: [ActionUrl] = []
            for try await u in group { all.append(u) }
            return all
        }
        XCTAssertEqual(urls.count, 9)
        let url = try await client.getActionItemUrlAsync(request: ActionUrlRequest(
            actionType: .presenceConsent, enterpriseName: "Acme", redirectUrl: listener.callbackUrl()))
        let delivery = try await mock.consentAsync(actionUrl: url.url, decision: .approve)
        XCTAssertEqual(delivery.actionType, .presenceConsent)
        let event = try await listener.nextEventAsync(timeout: 20)
        XCTAssertEqual(event?.kind(), .consentSucceeded)
        let token = try await client.fetchTokenAsync()
        XCTAssertFalse(token.exposeToken().isEmpty)
        XCTAssertFalse(token.description.contains(token.exposeToken()))
        try listener.shutdown()
        try mock.shutdown()
    }

    func testAsyncErrorsAreTyped() async throws {
        let mock = try MockServer.start(config: MockServerConfig())
        try mock.pushFault(endpoint: .actionUrl, fault: .rateLimited(retryAfterSecs: 7))
        let client = try Client(config: ClientConfig(credentials: mockDemoBearerToken(), baseUrl: mock.baseUrl(),
                                                     retry: noRetryPolicy(), useEnvProxy: false))
        do {
            _ = try await client.getActionItemUrlAsync(request: ActionUrlRequest(
                actionType: .cdrConsent, enterpriseName: "Acme", redirectUrl: "https://p.example/cb"))
            XCTFail("expected rate limiting")
        } catch CttError.RateLimited(let detail) {
            XCTAssertEqual(detail.retryAfter, 7)
            XCTAssertEqual(detail.status, 429)
        }
        try mock.shutdown()
    }
}

final class ErrorAndRedactionTests: XCTestCase {
    let access = "eyJhbGciOiJub25lIn0.eyJ0aWQiOiJ0LTEifQ.SECRET-ACCESS-0123"

    func assertClean(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        for secret in ["SECRET", access, "client-secret-value", "password-value", "demo-password"] {
            XCTAssertFalse(text.contains(secret), "leaked \(secret) in: \(text)", file: file, line: line)
        }
    }

    func testSecretsAreRedacted() throws {
        let body = """
        {"msalAuthenticationResult":{"authenticationResult":{"accessToken":"\(access)",
        "idToken":"SECRET-ID","refreshToken":"SECRET-REFRESH","expiresOn":1742985175}},"organization":"Acme"}
        """
        let auth = try parseAuthenticationResult(body: Data(body.utf8))
        assertClean(String(describing: auth))
        assertClean(String(reflecting: auth))
        var dumped = ""
        dump(auth, to: &dumped)
        assertClean(dumped)
        XCTAssertTrue(String(describing: auth).contains(redacted()))
        XCTAssertEqual(auth.accessToken.expose(), access)
        XCTAssertEqual(auth.idToken?.expose(), "SECRET-ID")
        XCTAssertEqual(auth.refreshToken?.expose(), "SECRET-REFRESH")
        let ev = try CallbackHandler().handle(method: "POST", url: "/callback", contentType: "application/json",
                                              body: Data(body.utf8))
        assertClean(ev.description)
        assertClean(ev.toJson())

        let creds = Credentials.passwordGrant(clientId: "client-id", clientSecret: "client-secret-value",
                                              username: "user", password: "password-value")
        assertClean(creds.description)
        let config = ClientConfig(credentials: creds, baseUrl: "https://api.example")
        assertClean(String(describing: config))
        assertClean(String(describing: try Client(config: config)))
        assertClean(MockAccount(clientId: "c", clientSecret: "client-secret-value", username: "u",
                                password: "password-value").description)
        let signer = try FlowSigner(key: Data("0123456789abcdef0123456789abcdef".utf8))
        XCTAssertFalse(signer.description.contains("0123456789abcdef"))

        let wrong = """
        {"msalAuthenticationResult":{"authenticationResult":{"accessToken":"\(access)"}},"companyAdmin":"SECRET-x"}
        """
        XCTAssertThrowsError(try parseAuthenticationResult(body: Data(wrong.utf8))) { e in
            guard case CttError.MalformedCallback(let detail) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(detail.message.contains("companyAdmin"))
            self.assertClean("\(e)")
            self.assertClean(e.localizedDescription)
        }
    }

    func testErrorCasesFromTheMock() throws {
        let mock = try MockServer.start(config: MockServerConfig())
        let client = try Client(config: ClientConfig(credentials: mockDemoBearerToken(), baseUrl: mock.baseUrl(),
                                                     retry: noRetryPolicy(), useEnvProxy: false))
        let request = ActionUrlRequest(actionType: .cdrConsent, enterpriseName: "Acme", redirectUrl: "https://p.example/cb")
        let cases: [(MockFault, String)] = [
            (.status(status: 400, body: "{\"message\":\"bad\"}"), "invalid_input"),
            (.status(status: 403, body: ""), "forbidden"),
            (.status(status: 404, body: ""), "not_found"),
            (.status(status: 503, body: ""), "server"),
            (.status(status: 418, body: ""), "unexpected_status"),
            (.html200, "malformed_response"),
            (.reset, "transport"),
        ]
        for (fault, kind) in cases {
            try mock.pushFault(endpoint: .actionUrl, fault: fault)
            XCTAssertThrowsError(try client.getActionItemUrl(request: request)) { e in
                let err = e as! CttError
                XCTAssertEqual(err.kind().stableName(), kind)
                XCTAssertEqual(variantKind(err), kind)
            }
        }
        let wrong = try Client(config: ClientConfig(
            credentials: Credentials.passwordGrant(clientId: "ctt-demo-client", clientSecret: "ctt-demo-secret",
                                                   username: "admin@provider.example", password: "wrong"),
            baseUrl: mock.baseUrl(), useEnvProxy: false))
        XCTAssertThrowsError(try wrong.getActionItemUrl(request: request)) { e in
            XCTAssertEqual((e as! CttError).kind(), .unauthorized)
        }
        XCTAssertThrowsError(try validateEnterpriseName(name: " ")) { e in
            XCTAssertEqual((e as! CttError).detail().field, "enterpriseName")
            XCTAssertEqual((e as! CttError).description, "invalid_input: enterpriseName: must not be empty")
        }
        let h = CallbackHandler.withConfig(config: CallbackHandlerConfig(bodyLimit: 4))
        XCTAssertThrowsError(try h.handle(method: "PUT", url: "/?success=x", contentType: nil, body: Data())) { e in
            XCTAssertEqual((e as! CttError).kind(), .methodNotAllowed)
        }
        XCTAssertThrowsError(try h.handle(method: "POST", url: "/", contentType: nil, body: Data(count: 5))) { e in
            XCTAssertEqual((e as! CttError).kind(), .payloadTooLarge)
        }
        try mock.shutdown()
        XCTAssertThrowsError(try mock.requests())
    }
}
