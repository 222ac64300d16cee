using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using CloudBox.Images.Images;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace CloudBox.Images.Schemas;

/// <summary><c>/v2/schemas/*</c>: the JSON schemas glanceclient validates against and builds its CLI options from.</summary>
public static class SchemaEndpoints
{
    public static void Map(IEndpointRouteBuilder v2)
    {
        v2.MapGet("/schemas/image", () => JsonBody.Node(Image()));
        v2.MapGet("/schemas/images", () => JsonBody.Node(Collection("images", Image())));
        v2.MapGet("/schemas/member", () => JsonBody.Node(Member()));
        v2.MapGet("/schemas/members", () => JsonBody.Node(Collection("members", Member())));
        v2.MapGet("/schemas/task", () => JsonBody.Node(Task()));
    }

    private static JsonObject Image()
    {
        var properties = new JsonObject
        {
            ["id"] = Typed("string", "An identifier for the image", readOnly: false, pattern: "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$"),
            ["name"] = Nullable("string", "Descriptive name for the image", maxLength: 255),
            ["status"] = Enum("Status of the image", readOnly: true, ["queued", "saving", "active", "killed", "deleted", "uploading", "importing", "pending_delete", "deactivated"]),
            ["visibility"] = Enum("Scope of image accessibility", readOnly: false, ImageAttributes.Visibilities),
            ["protected"] = Typed("boolean", "If true, image will not be deletable."),
            ["os_hidden"] = Typed("boolean", "If true, image will not appear in default image list response."),
            ["checksum"] = Nullable("string", "md5 hash of image contents.", maxLength: 32, readOnly: true),
            ["os_hash_algo"] = Nullable("string", "Algorithm to calculate the os_hash_value", maxLength: 64, readOnly: true),
            ["os_hash_value"] = Nullable("string", "Hexdigest of the image contents using the algorithm specified by the os_hash_algo", maxLength: 128, readOnly: true),
            ["owner"] = Nullable("string", "Owner of the image", maxLength: 255),
            ["size"] = Nullable("integer", "Size of image file in bytes", readOnly: true),
            ["virtual_size"] = Nullable("integer", "Virtual size of image in bytes", readOnly: true),
            ["container_format"] = NullableEnum("Format of the container", ImageAttributes.ContainerFormats),
            ["disk_format"] = NullableEnum("Format of the disk", ImageAttributes.DiskFormats),
            ["created_at"] = Typed("string", "Date and time of image registration", readOnly: true),
            ["updated_at"] = Typed("string", "Date and time of the last image modification", readOnly: true),
            ["tags"] = new JsonObject { ["type"] = "array", ["description"] = "List of strings related to the image", ["items"] = new JsonObject { ["type"] = "string", ["maxLength"] = 255 } },
            ["self"] = Typed("string", "An image self url", readOnly: true),
            ["file"] = Typed("string", "An image file url", readOnly: true),
            ["schema"] = Typed("string", "An image schema url", readOnly: true),
            ["min_ram"] = Typed("integer", "Amount of ram (in MB) required to boot image."),
            ["min_disk"] = Typed("integer", "Amount of disk space (in GB) required to boot image."),
            ["kernel_id"] = Nullable("string", "ID of image stored in Glance that should be used as the kernel when booting an AMI-style image."),
            ["ramdisk_id"] = Nullable("string", "ID of image stored in Glance that should be used as the ramdisk when booting an AMI-style image."),
            ["os_command_line"] = Typed("string", "The kernel command line to be used by the hypervisor when booting from a kernel image."),
        };
        return new JsonObject
        {
            ["name"] = "image",
            ["properties"] = properties,
            ["additionalProperties"] = new JsonObject { ["type"] = "string" },
            ["links"] = new JsonArray(
                new JsonObject { ["rel"] = "self", ["href"] = "{self}" },
                new JsonObject { ["rel"] = "enclosure", ["href"] = "{file}" },
                new JsonObject { ["rel"] = "describedby", ["href"] = "{schema}" }),
        };
    }

    private static JsonObject Member() => new()
    {
        ["name"] = "member",
        ["properties"] = new JsonObject
        {
            ["created_at"] = Typed("string", "Date and time of image member creation"),
            ["updated_at"] = Typed("string", "Date and time of last modification of image member"),
            ["image_id"] = Typed("string", "An identifier for the image"),
            ["member_id"] = Typed("string", "An identifier for the image member (tenantId)"),
            ["schema"] = Typed("string", "A member schema url", readOnly: true),
            ["status"] = Enum("The status of this image member", readOnly: false, ["pending", "accepted", "rejected"]),
        },
    };

    private static JsonObject Task() => new()
    {
        ["name"] = "task",
        ["properties"] = new JsonObject
        {
            ["id"] = Typed("string", "An identifier for the task"),
            ["type"] = Enum("The type of task represented by this content", readOnly: false, ["import", "api_image_import"]),
            ["status"] = Enum("The current status of this task", readOnly: false, ["pending", "processing", "success", "failure"]),
            ["input"] = new JsonObject { ["type"] = new JsonArray("null", "object"), ["description"] = "The parameters required by task, JSON blob" },
            ["result"] = new JsonObject { ["type"] = new JsonArray("null", "object"), ["description"] = "The result of current task, JSON blob" },
            ["owner"] = Typed("string", "An identifier for the owner of this task"),
            ["message"] = Typed("string", "Human-readable informative message only included when appropriate (usually on failure)"),
        },
    };

    private static JsonObject Collection(string member, JsonObject item) => new()
    {
        ["name"] = member,
        ["properties"] = new JsonObject
        {
            [member] = new JsonObject { ["type"] = "array", ["items"] = item },
            ["schema"] = Typed("string", null),
            ["first"] = Typed("string", null),
            ["next"] = Typed("string", null),
        },
        ["links"] = new JsonArray(
            new JsonObject { ["rel"] = "first", ["href"] = "{first}" },
            new JsonObject { ["rel"] = "next", ["href"] = "{next}" },
            new JsonObject { ["rel"] = "describedby", ["href"] = "{schema}" }),
    };

    private static JsonObject Typed(string type, string? description, bool readOnly = false, string? pattern = null)
    {
        var schema = new JsonObject { ["type"] = type };
        if (description is not null)
            schema["description"] = description;
        if (readOnly)
            schema["readOnly"] = true;
        if (pattern is not null)
            schema["pattern"] = pattern;
        return schema;
    }

    private static JsonObject Nullable(string type, string description, int? maxLength = null, bool readOnly = false)
    {
        var schema = new JsonObject { ["type"] = new JsonArray("null", type), ["description"] = description };
        if (maxLength is not null)
            schema["maxLength"] = maxLength;
        if (readOnly)
            schema["readOnly"] = true;
        return schema;
    }

    private static JsonObject Enum(string description, bool readOnly, string[] values)
    {
        var schema = new JsonObject { ["type"] = "string", ["description"] = description, ["enum"] = new JsonArray(values.Select(v => (JsonNode?)v).ToArray()) };
        if (readOnly)
            schema["readOnly"] = true;
        return schema;
    }

    private static JsonObject NullableEnum(string description, string[] values) => new()
    {
        ["type"] = new JsonArray("null", "string"),
        ["description"] = description,
        ["enum"] = new JsonArray([null, .. values.Select(v => (JsonNode?)v)]),
    };
}
