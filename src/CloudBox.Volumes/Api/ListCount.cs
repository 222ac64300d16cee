using System.Text.Json.Nodes;
using CloudBox.Core.Api;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Volumes.Api;

/// <summary>3.45: <c>with_count=true</c> on a list adds <c>count</c>, how many match the filters on all pages.</summary>
public static class ListCount
{
    public static JsonObject With(JsonObject answer, HttpContext context, int matching)
    {
        if (VolumeApiVersion.AtLeast(context, "3.45") && context.Request.QueryBool("with_count") == true)
            answer["count"] = matching;
        return answer;
    }
}
