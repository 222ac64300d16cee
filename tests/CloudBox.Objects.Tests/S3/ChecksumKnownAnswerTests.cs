using System.Text;
using CloudBox.Objects.S3.Checksums;

namespace CloudBox.Objects.Tests.S3;

/// <summary>S3's additional checksums against their standard check values and a value botocore sent.</summary>
public class ChecksumKnownAnswerTests
{
    [TestCase("crc32", "123456789", "y/Q5Jg==")] // 0xCBF43926, the CRC-32 check value
    [TestCase("crc32c", "123456789", "4waSgw==")] // 0xE3069283, the CRC-32C check value
    [TestCase("crc32", "hello\n", "NjowIA==")] // what botocore 1.43 sent as x-amz-checksum-crc32 for this body
    [TestCase("sha256", "", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")]
    public void ChecksumsMatchTheirKnownValues(string algorithm, string text, string expected)
    {
        using var checksum = ChecksumAlgorithms.Create(algorithm)!;
        var bytes = Encoding.ASCII.GetBytes(text);
        checksum.Append(bytes.AsSpan(0, bytes.Length / 2));
        checksum.Append(bytes.AsSpan(bytes.Length / 2));
        Assert.That(checksum.Base64(), Is.EqualTo(expected));
    }
}
