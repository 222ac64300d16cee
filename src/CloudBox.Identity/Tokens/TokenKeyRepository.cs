using System.Globalization;
using System.Security.Cryptography;
using CloudBox.Linux.FileSystem;

namespace CloudBox.Identity.Tokens;

/// <summary>
/// The symmetric keys tokens are sealed with, kept as files under <c>DATA/keys/token/</c> the way
/// Keystone keeps Fernet keys: key <c>0</c> is staged (next to become primary), the highest
/// number is primary (seals new tokens), the others are secondary (still open old tokens).
/// Rotation promotes the staged key, stages a new one and drops the oldest beyond
/// <see cref="MaxActiveKeys"/>. Every node of a multi-node cloud needs the same key directory.
/// </summary>
public sealed class TokenKeyRepository
{
    public const int KeyBytes = 32;
    public const int MaxActiveKeys = 3;

    private readonly string _directory;
    private volatile KeySet _keys;

    public TokenKeyRepository(string directory)
    {
        _directory = directory;
        EnsureInitialised();
        _keys = Load();
    }

    /// <summary>The key new tokens are sealed with.</summary>
    public TokenKey Primary => _keys.Primary;

    /// <summary>The key with <paramref name="id"/>, or null when it was rotated out (or never existed).</summary>
    public TokenKey? Find(uint id)
    {
        foreach (var key in _keys.All)
        {
            if (key.Id == id)
                return key;
        }
        return null;
    }

    public IReadOnlyList<uint> KeyIds
    {
        get
        {
            var ids = new List<uint>();
            foreach (var key in _keys.All)
                ids.Add(key.Id);
            return ids;
        }
    }

    /// <summary>Promotes the staged key to primary, stages a fresh key and retires the oldest beyond the limit.</summary>
    public void Rotate()
    {
        var ids = ListIds();
        var next = ids.Max() + 1;
        File.Move(KeyPath(0), KeyPath(next));
        // The promoted key was staged long ago; its age as primary starts now.
        File.SetLastWriteTimeUtc(KeyPath(next), DateTime.UtcNow);
        WriteKey(0);
        ids = ListIds();
        var numbered = ids.Where(id => id != 0).OrderBy(id => id).ToList();
        // Keep the staged key plus MaxActiveKeys - 1 numbered keys (primary and secondaries).
        while (numbered.Count > MaxActiveKeys - 1)
        {
            File.Delete(KeyPath(numbered[0]));
            numbered.RemoveAt(0);
        }
        _keys = Load();
    }

    /// <summary>Re-reads the directory, picking up a rotation done by another process.</summary>
    public void Reload()
    {
        var onDisk = ListIds();
        onDisk.Sort();
        var loaded = KeyIds.ToList();
        loaded.Sort();
        if (!onDisk.SequenceEqual(loaded))
            _keys = Load();
    }

    private void EnsureInitialised()
    {
        Directory.CreateDirectory(_directory);
        File.SetUnixFileMode(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (ListIds().Count > 0)
            return;
        WriteKey(0);
        WriteKey(1);
    }

    private KeySet Load()
    {
        var ids = ListIds();
        if (ids.Count < 2)
            throw new InvalidOperationException($"Token key directory '{_directory}' needs a staged key and a primary key.");
        var all = new List<TokenKey>();
        foreach (var id in ids)
            all.Add(new TokenKey(id, Convert.FromBase64String(File.ReadAllText(KeyPath(id)).Trim())));
        var primaryId = ids.Max();
        return new KeySet(all.Find(k => k.Id == primaryId)!, [.. all]);
    }

    private List<uint> ListIds()
    {
        var ids = new List<uint>();
        foreach (var file in Directory.EnumerateFiles(_directory))
        {
            if (uint.TryParse(Path.GetFileName(file), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
                ids.Add(id);
        }
        return ids;
    }

    private void WriteKey(uint id)
    {
        // Replaced whole and durably, so a crash never leaves a torn key.
        AtomicFile.WriteAllText(KeyPath(id), Convert.ToBase64String(RandomNumberGenerator.GetBytes(KeyBytes)), UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private string KeyPath(uint id) => Path.Combine(_directory, id.ToString(CultureInfo.InvariantCulture));

    private sealed record KeySet(TokenKey Primary, TokenKey[] All);
}
