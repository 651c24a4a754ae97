import XCTest
@testable import Ctt

final class SmokeTests: XCTestCase {
    func testActionTypes() throws {
        XCTAssertEqual(allActionTypes().count, 9)
        XCTAssertEqual(ActionType.userSyncConsent.wireName(), "GET_USER_SYNC_CONSENT")
    }
}
