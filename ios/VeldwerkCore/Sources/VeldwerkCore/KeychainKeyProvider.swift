// The 32-byte storage key of the device store, kept in the iOS Keychain (this device only,
// available after first unlock, never in backups).
import Foundation
import Security

public enum KeychainError: Error {
    case status(OSStatus)
    case random
}

public struct KeychainKeyProvider {
    let service = "nl.veldwerk.storage-key"
    let account = "device-store"

    public init() {}

    /// The key, created on first use.
    public func key() throws -> Data {
        let query: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: account,
            kSecReturnData as String: true,
        ]
        var item: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &item)
        if status == errSecSuccess, let data = item as? Data, data.count == 32 {
            return data
        }
        if status != errSecItemNotFound && status != errSecSuccess {
            throw KeychainError.status(status)
        }
        var bytes = [UInt8](repeating: 0, count: 32)
        guard SecRandomCopyBytes(kSecRandomDefault, bytes.count, &bytes) == errSecSuccess else {
            throw KeychainError.random
        }
        let data = Data(bytes)
        let add: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: account,
            kSecAttrAccessible as String: kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly,
            kSecValueData as String: data,
        ]
        let added = SecItemAdd(add as CFDictionary, nil)
        guard added == errSecSuccess else { throw KeychainError.status(added) }
        return data
    }

    /// Deletes the key: after a wipe, any copy of the store files is unreadable.
    public func delete() {
        let query: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: account,
        ]
        SecItemDelete(query as CFDictionary)
    }
}

extension Veldwerk {
    /// Opens the store in the app's Application Support directory with the Keychain key.
    public static func openWithKeychain(_ keys: KeychainKeyProvider = KeychainKeyProvider()) throws -> Veldwerk {
        let base = try FileManager.default.url(
            for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true
        ).appendingPathComponent("veldwerk", isDirectory: true)
        return try Veldwerk.open(dir: base.path, key: try keys.key())
    }
}
