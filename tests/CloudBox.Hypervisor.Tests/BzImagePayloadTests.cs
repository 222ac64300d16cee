using System.Buffers.Binary;
using System.IO.Compression;
using CloudBox.Hypervisor.Boot;

namespace CloudBox.Hypervisor.Tests;

/// <summary>
/// The VMM's own decompression of a bzImage's payload: the stock Debian cloud kernel (LZ4) decodes to exactly the
/// vmlinux that <c>lz4 -d</c> makes and opens as a PVH image; gzip and zstd payloads (the same vmlinux, recompressed
/// into a copy of the stock header) too; a corrupted payload is an <see cref="InvalidDataException"/>.
/// </summary>
[TestFixture]
public sealed class BzImagePayloadTests
{
    private static byte[] Stock => File.ReadAllBytes(GuestFixtures.BzImage);

    [Test]
    public void The_stock_kernels_lz4_payload_decodes_to_the_vmlinux_and_boots_through_pvh()
    {
        var bzImage = Stock;
        Assert.That(BzImagePayload.Format(bzImage), Is.EqualTo("lz4"), "Debian's linux-image-cloud-amd64 is built with CONFIG_KERNEL_LZ4");
        var vmlinux = BzImagePayload.TryDecompress(bzImage);
        Assert.That(vmlinux.AsSpan().SequenceEqual(File.ReadAllBytes(GuestFixtures.Vmlinux)), Is.True, "the same bytes as lz4 -d");
        Assert.That(BootImage.Open(GuestFixtures.BzImage), Is.InstanceOf<PvhElfImage>());
        Assert.That(BootImage.Open(GuestFixtures.BzImage, linuxBootProtocol: true), Is.InstanceOf<LinuxBzImage>());
    }

    [TestCase("gzip")]
    [TestCase("zstd")]
    public void Gzip_and_zstd_payloads_decode_too(string format)
    {
        var vmlinux = File.ReadAllBytes(GuestFixtures.Vmlinux);
        using var compressed = new MemoryStream();
        Stream compressor = format == "gzip" ? new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true) : new ZstdSharp.CompressionStream(compressed, 1, leaveOpen: true);
        using (compressor)
            compressor.Write(vmlinux);
        var payload = compressed.ToArray();
        var bzImage = WithPayload(Stock, payload, vmlinux.Length);
        Assert.That(BzImagePayload.Format(bzImage), Is.EqualTo(format));
        Assert.That(BzImagePayload.TryDecompress(bzImage).AsSpan().SequenceEqual(vmlinux), Is.True);
    }

    [Test]
    public void Corrupted_lz4_payloads_are_refused_as_invalid_data()
    {
        var stock = Stock;
        var setup = (stock[0x1F1] + 1) * 512;
        var offset = setup + (int)BinaryPrimitives.ReadUInt32LittleEndian(stock.AsSpan(0x248));
        var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(stock.AsSpan(0x24C));
        var random = new Random(22);
        var refused = 0;
        for (var i = 0; i < 4; i++)
        {
            var image = (byte[])stock.Clone();
            for (var m = 0; m < 64; m++)
                image[offset + 4 + random.Next(Math.Min(length - 8, 1 << 20))] = (byte)random.Next(256);
            try
            {
                BzImagePayload.TryDecompress(image);
            }
            catch (InvalidDataException)
            {
                refused++;
            }
        }
        var truncated = (byte[])stock.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(truncated.AsSpan(0x24C), 4096);
        Assert.Throws<InvalidDataException>(() => BzImagePayload.TryDecompress(truncated));
        TestContext.Out.WriteLine($"{refused} of 4 mutated payloads refused (the others decoded to other bytes, as a mutated literal does)");
    }

    /// <summary>A copy of the stock setup code and header with another payload (and its size trailer) after it.</summary>
    private static byte[] WithPayload(byte[] stock, byte[] payload, int uncompressed)
    {
        var setup = (stock[0x1F1] + 1) * 512;
        var image = new byte[setup + payload.Length + 4];
        stock.AsSpan(0, setup).CopyTo(image);
        payload.CopyTo(image, setup);
        BinaryPrimitives.WriteInt32LittleEndian(image.AsSpan(setup + payload.Length), uncompressed);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(0x248), 0);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(0x24C), (uint)payload.Length + 4);
        return image;
    }
}
