import Foundation
import XCTest
@testable import Ctt

/// Runs every case of tests/fixtures/cases through the Swift API (see tests/fixtures/README.md).
final class FixturesTests: XCTestCase {
    static var dir: URL {
        let env = ProcessInfo.processInfo.environment["CTT_FIXTURES_DIR"] ?? "../../tests/fixtures/cases"
        return URL(fileURLWithPath: env)
    }

    func cases(_ file: String) throws -> [J] {
        let data = try Data(contentsOf: FixturesTests.dir.appendingPathComponent(file))
        let doc = try JSONDecoder().decode(J.self, from: data)
        return doc["cases"]?.array ?? []
    }

    func testEveryFileIsCovered() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: FixturesTests.dir.path)
            .filter { $0.hasSuffix(".json") }.sorted()
        XCTAssertEqual(files, FixturesTests.files)
        let total = try files.reduce(0) { $0 + (try cases($1)).count }
        XCTAssertGreaterThanOrEqual(total, 100)
    }

    static let files = [
        "action_types.json", "action_url_responses.json", "auth_results.json", "callbacks.json",
        "consent_plans.json", "consent_urls.json", "redirects.json", "state_tokens.json", "validation.json",
    ]

    func testActionTypes() throws { try runFile("action_types.json") }
    func testActionUrlResponses() throws { try runFile("action_url_responses.json") }
    func testAuthResults() throws { try runFile("auth_results.json") }
    func testCallbacks() throws { try runFile("callbacks.json") }
    func testConsentPlans() throws { try runFile("consent_plans.json") }
    func testConsentUrls() throws { try runFile("consent_urls.json") }
    func testRedirects() throws { try runFile("redirects.json") }
    func testStateTokens() throws { try runFile("state_tokens.json") }
    func testValidation() throws { try runFile("validation.json") }

    func runFile(_ file: String) throws {
        let all = try cases(file)
        XCTAssertFalse(all.isEmpty, file)
        for c in all {
            let name = c["name"]?.string ?? "?"
            if let problem = check(c) {
                XCTFail("\(file) \(name): \(problem)")
            }
        }
    }

    func check(_ c: J) -> String? {
        guard let input = c["input"], let expect = c["expect"] else { return "malformed case" }
        var outcome: J? = nil
        var error: CttError? = nil
        do {
            outcome = try run(input)
        } catch let e as CttError {
            error = e
        } catch {
            return "unexpected error \(error)"
        }
        if let ok = expect["ok"] {
            if let e = error { return "expected success, got \(e)" }
            return subset(ok, outcome, "ok").map { "\($0)\noutcome: \(outcome!)" }
        }
        guard let exp = expect["error"] else { return "neither ok nor error" }
        guard let e = error else { return "expected an error, got \(outcome!)" }
        if variantKind(e) != e.kind().stableName() { return "variant \(variantKind(e)) for \(e.kind())" }
        let d = e.detail()
        guard case .obj(let fields) = exp else { return "bad error expectation" }
        for (key, want) in fields {
            let got: J
            switch key {
            case "kind": got = .str(e.kind().stableName())
            case "field": got = opt(d.field)
            case "status": got = d.status.map { .num(Double($0)) } ?? .null
            case "retry_after_secs": got = d.retryAfter.map { .num(Double(Int64($0))) } ?? .null
            case "rejection": got = opt(d.rejection?.stableName())
            case "message_contains":
                if !d.message.contains(want.string ?? "\u{0}") { return "message '\(d.message)' lacks \(want)" }
                continue
            default: return "unknown error key \(key)"
            }
            if want != got && !(want == .null && got == .null) { return "error \(key): expected \(want), got \(got) (\(e))" }
        }
        return nil
    }

    // ------------------------------------------------------------------ running one input

    func hex(_ s: String) -> Data {
        var d = Data()
        var i = s.startIndex
        while i < s.endIndex {
            let j = s.index(i, offsetBy: 2)
            d.append(UInt8(s[i..<j], radix: 16)!)
            i = j
        }
        return d
    }

    func body(_ input: J) -> Data {
        if let fill = input["body_fill"], !fill.isNull {
            let byte = Array(fill["byte"]!.string!.utf8)[0]
            return Data(repeating: byte, count: Int(fill["len"]!.number!))
        }
        if let j = input["body_json"] { return Data(j.description.utf8) }
        return Data((input["body"]?.string ?? "").utf8)
    }

    func date(_ j: J?) -> Date { Date(timeIntervalSince1970: j!.number!) }

    func run(_ input: J) throws -> J {
        switch input["kind"]!.string! {
        case "action_type":
            let t = try actionTypeFromWire(name: input["wire"]!.string!)
            return .obj([
                "wire": .str(t.wireName()), "code": .num(Double(t.code())),
                "requirement": .str(t.requirement().stableName()),
                "callback_style": .str(t.callbackStyle().stableName()),
                "services": .arr(t.services().map { .str($0.stableName()) }),
            ])
        case "consent_plan":
            let services = try input["services"]!.array!.map { try serviceFromName(name: $0.string!) }
            let plan = ConsentPlan.forServices(services: services)
            return .obj(["steps": .arr(plan.steps().map {
                .obj(["action_type": .str($0.actionType.wireName()), "optional": .bool($0.optional)])
            })])
        case "validate":
            let value = input["value"]!.string!
            switch input["field"]!.string! {
            case "enterpriseName": return .obj(["value": .str(try validateEnterpriseName(name: value))])
            default: return .obj(["value": .str(try validateRedirectUrl(url: value))])
            }
        case "redirect":
            return consentJson(try parseConsentRedirect(input: input["url"]!.string!))
        case "auth_result":
            return authJson(try parseAuthenticationResultAt(body: body(input), receivedAt: date(input["received_at"])))
        case "callback":
            let limit = input["body_limit"].flatMap { $0.number }.map { UInt64($0) }
            let h = CallbackHandler.withConfig(config: CallbackHandlerConfig(bodyLimit: limit))
            let ev = try h.handle(method: input["method"]!.string!, url: input["url"]!.string!,
                                  contentType: input["content_type"]?.string, body: body(input))
            if let auth = ev.authentication() { return authJson(auth) }
            return consentJson(ev.consent()!)
        case "action_url_response":
            let a = try parseActionUrlResponse(status: UInt16(input["status"]!.number!), body: input["body"]!.string!,
                                               retryAfter: input["retry_after"]?.string)
            return .obj(["url": .str(a.url), "consent": consentUrlJson(a.consent)])
        case "consent_url":
            return consentUrlJson(try inspectConsentUrl(url: input["url"]!.string!))
        case "state_issue":
            let s = try FlowSigner(key: hex(input["key_hex"]!.string!))
            let token = try s.issueAt(actionType: try actionTypeFromWire(name: input["action_type"]!.string!),
                                      enterpriseName: input["enterprise_name"]!.string!,
                                      issuedAt: date(input["issued_at"]), nonce: hex(input["nonce_hex"]!.string!))
            return .obj(["token": .str(token)])
        case "state_verify":
            var s = try FlowSigner(key: hex(input["key_hex"]!.string!))
            for k in input["previous_keys_hex"]?.array ?? [] { s = try s.withPreviousKey(key: hex(k.string!)) }
            if let ttl = input["ttl_secs"]?.number { s = s.withTtl(ttl: ttl) }
            if input["replay_guard"]?.bool == true { s = s.withMemoryReplayGuard() }
            let repeatCount = Int(input["repeat"]?.number ?? 1)
            var result: Result<FlowState, CttError>? = nil
            for _ in 0..<repeatCount {
                do {
                    result = .success(try s.verifyAt(token: input["token"]!.string!, now: date(input["now"])))
                } catch let e as CttError {
                    result = .failure(e)
                }
            }
            let st = try result!.get()
            return .obj([
                "action_type": .str(st.actionType.wireName()), "enterprise_name": .str(st.enterpriseName),
                "issued_at": .num(st.issuedAt.timeIntervalSince1970.rounded(.down)), "nonce_hex": .str(st.nonceHex),
            ])
        case let other:
            throw NSError(domain: "fixtures", code: 1, userInfo: [NSLocalizedDescriptionKey: "unknown kind \(other)"])
        }
    }

    func consentJson(_ r: ConsentRedirect) -> J {
        var code: String? = nil
        var subcode: String? = nil
        if case .failed(_, let c, let s) = r.outcome { code = c; subcode = s }
        return .obj([
            "event": .str(r.outcome.isSuccess() ? "consent_succeeded" : "consent_failed"),
            "message": .str(r.outcome.message()),
            "error_code": opt(code), "error_subcode": opt(subcode), "path": .str(r.path),
            "params": .arr(r.params.map { .arr([.str($0.name), .str($0.value)]) }),
        ])
    }

    func authJson(_ a: AuthenticationResult) -> J {
        let user: J = a.userInfo.map {
            .obj(["displayable_id": opt($0.displayableId), "identity_provider": opt($0.identityProvider),
                  "tenant_id": opt($0.tenantId)])
        } ?? .null
        let claims: J = a.claims.map {
            .obj(["tid": opt($0.tid), "oid": opt($0.oid), "upn": opt($0.upn),
                  "preferred_username": opt($0.preferredUsername), "scopes": .arr($0.scopes.map { .str($0) }),
                  "exp": opt($0.exp)])
        } ?? .null
        let expiry = a.expiry
        return .obj([
            "event": .str("authenticated"),
            "access_token": .str(a.accessToken.expose()),
            "id_token": opt(a.idToken?.expose()),
            "refresh_token": opt(a.refreshToken?.expose()),
            "access_token_type": opt(a.accessTokenType),
            "expires_on_raw": opt(a.expiresOnRaw),
            "expires_at": opt(expiry.expiresAtUnix),
            "expiry_source": .str(expiry.source.stableName()),
            "organization": opt(a.organization),
            "office_user_type": opt(a.officeUserType),
            "company_admin": opt(a.companyAdmin),
            "contains_teams_tenant_admin_api": opt(a.containsTeamsTenantAdminApi),
            "tenant_id": opt(a.effectiveTenantId),
            "tenant_mismatch": .bool(a.tenantMismatch),
            "user": user,
            "claims": claims,
        ])
    }

    func consentUrlJson(_ c: ConsentUrl) -> J {
        .obj([
            "host": .str(c.host), "is_authorize": .bool(c.isAuthorize), "client_id": opt(c.clientId),
            "response_type": opt(c.responseType), "response_mode": opt(c.responseMode),
            "scopes": .arr(c.scopes.map { .str($0) }), "state": opt(c.state), "nonce": opt(c.nonce),
            "redirect_uri": opt(c.redirectUri),
        ])
    }
}

/// The snake_case name of the error's case; exhaustive, so a new kind fails to compile here.
func variantKind(_ e: CttError) -> String {
    switch e {
    case .InvalidInput: return "invalid_input"
    case .Unauthorized: return "unauthorized"
    case .Forbidden: return "forbidden"
    case .NotFound: return "not_found"
    case .RateLimited: return "rate_limited"
    case .Server: return "server"
    case .UnexpectedStatus: return "unexpected_status"
    case .Transport: return "transport"
    case .Timeout: return "timeout"
    case .MalformedResponse: return "malformed_response"
    case .MalformedCallback: return "malformed_callback"
    case .MethodNotAllowed: return "method_not_allowed"
    case .PayloadTooLarge: return "payload_too_large"
    case .StateRejected: return "state_rejected"
    case .Internal: return "internal"
    }
}
