package ctt

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test

class SmokeTest {
    @Test
    fun versionAndActionTypes() {
        assertEquals(9, allActionTypes().size)
        assertEquals("GET_USER_SYNC_CONSENT", ActionType.USER_SYNC_CONSENT.wireName())
    }
}
