namespace CloudBox.BlockEngine.Tests;

/// <summary>A real file on the test machine's disk, deleted afterwards.</summary>
internal sealed class ScratchFile : IDisposable
{
    public ScratchFile(long length)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"cloudbox-blockengine-{Guid.NewGuid():N}.img");
        using var stream = File.Create(Path);
        stream.SetLength(length);
    }

    public string Path { get; }

    public void Dispose() => File.Delete(Path);
}
