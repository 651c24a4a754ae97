import Foundation
import XCTest
@testable import Ctt

/// Issue 7's fault matrix for the Swift layer: each fault the mock can inject on getActionItemUrl,
/// called with retries (3 attempts) and without (1 attempt) against a 3 s deadline. The expected
/// outcomes are hardening/tests/fault_matrix.rs's (Rust), hardening/c's and hardening/python's.
/// Prints `FAULT swift: …` lines (the table). The elapsed-time check is a no-hang bound (deadline
/// plus 2 s), not a performance assertion.
final class FaultMatrixTests: XCTestCase {
    let deadline: TimeInterval = 3
    var hangBoundMs: Int { Int(deadline * 1000) + 2000 }

    struct Outcome {
        let kind: ErrorKind?
        let status: Int?
        let ms: Int
    }

    func client(_ mock: MockServer, attempts: UInt32) throws -> Client {
        try Client(config: ClientConfig(
            credentials: mockDemoPasswordGrant(), baseUrl: mock.baseUrl(), timeout: deadline,
            retry: RetryPolicy(maxAttempts: attempts, baseDelay: 0.010, maxDelay: 0.050, maxRetryAfter: 5),
            useEnvProxy: false))
    }

    func call(_ mock: MockServer, _ client: Client, _ spec: String) throws -> Outcome {
        try mock.reset()
        // The same spec strings as the other layers' tables, parsed by ctt-server.
        try mock.pushFault(endpoint: .actionUrl, fault: parseMockFault(spec: spec))
        let request = ActionUrlRequest(actionType: .cdrConsent, enterpriseName: "Fault Corp",
                                       redirectUrl: "https://sp.example/cb")
        let started = DispatchTime.now().uptimeNanoseconds
        var kind: ErrorKind?
        var status: Int?
        do {
            _ = try client.getActionItemUrl(request: request)
        } catch let e as CttError {
            kind = e.kind()
            status = e.detail().status.map { Int($0) }
        }
        let ms = Int((DispatchTime.now().uptimeNanoseconds - started) / 1_000_000)
        return Outcome(kind: kind, status: status, ms: ms)
    }

    func show(_ o: Outcome, retried: Bool) -> String {
        guard let kind = o.kind else { return retried ? "ok (retried)" : "ok" }
        if let s = o.status { return "\(kind.stableName()) \(s)" }
        return kind.stableName()
    }

    func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }

    func padLeft(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
    }

    func testEveryFaultGivesATypedErrorOrABoundedRetry() throws {
        // spec, outcome with 3 attempts, with 1 attempt (nil: success), the status an error carries
        let cases: [(String, ErrorKind?, ErrorKind?, Int?)] = [
            ("reset", nil, .transport, nil),
            ("close", nil, .transport, nil),
            ("delay:10000", .timeout, .timeout, nil),
            ("rate_limit:1", nil, .rateLimited, 429),
            ("status:500", .server, .server, 500),
            ("status:502", nil, .server, 502),
            ("status:503", nil, .server, 503),
            ("status:504", nil, .server, 504),
            ("truncate", nil, .transport, nil),
            ("garbage", .malformedResponse, .malformedResponse, nil),
            ("html", .malformedResponse, .malformedResponse, nil),
        ]
        let mock = try MockServer.start(config: MockServerConfig())
        defer { try? mock.shutdown() }
        let retrying = try client(mock, attempts: 3)
        let single = try client(mock, attempts: 1)
        _ = try retrying.fetchToken()
        _ = try single.fetchToken()
        print("FAULT swift: action_url fault | 3 attempts: outcome (ms) | 1 attempt: outcome (ms) | deadline \(Int(deadline * 1000)) ms")
        var unexpected: [String] = []
        for (spec, wantRetrying, wantSingle, wantStatus) in cases {
            let a = try call(mock, retrying, spec)
            let b = try call(mock, single, spec)
            func statusOk(_ o: Outcome) -> Bool { o.kind == nil || wantStatus == nil || o.status == wantStatus }
            let ok = a.kind == wantRetrying && b.kind == wantSingle && statusOk(a) && statusOk(b)
                && a.ms < hangBoundMs && b.ms < hangBoundMs
            print("FAULT swift: \(pad(spec, 13)) | \(pad(show(a, retried: true), 26)) \(padLeft(a.ms, 5)) | "
                + "\(pad(show(b, retried: false), 26)) \(padLeft(b.ms, 5))\(ok ? "" : "   <-- UNEXPECTED")")
            if !ok { unexpected.append(spec) }
        }
        XCTAssertEqual(unexpected, [], "unexpected outcomes")
    }
}
