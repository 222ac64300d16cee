using CloudBox.Core.Api;
using CloudBox.Core.Api.Paging;
using Microsoft.AspNetCore.Http;

namespace CloudBox.Core.Tests.Api;

public class PageRequestTests
{
    private static PageRequest Parse(string query)
    {
        var context = new DefaultHttpContext();
        context.Request.QueryString = new QueryString(query);
        return PageRequest.FromQuery(context.Request, defaultLimit: 10, maxLimit: 50);
    }

    private static readonly string[] Items = ["a", "b", "c", "d", "e"];

    [Test]
    public void LimitAndMarkerSelectTheNextPage()
    {
        Assert.That(Parse("?limit=2").Apply(Items, s => s), Is.EqualTo(new[] { "a", "b" }));
        Assert.That(Parse("?limit=2&marker=b").Apply(Items, s => s), Is.EqualTo(new[] { "c", "d" }));
        Assert.That(Parse("?marker=e").Apply(Items, s => s), Is.Empty);
    }

    [Test]
    public void LimitIsCappedAndDefaulted()
    {
        Assert.That(Parse("").Limit, Is.EqualTo(10));
        Assert.That(Parse("?limit=500").Limit, Is.EqualTo(50));
    }

    [Test]
    public void BadLimitOrUnknownMarkerIsA400()
    {
        Assert.That(Assert.Throws<ApiFault>(() => Parse("?limit=-1"))!.StatusCode, Is.EqualTo(400));
        Assert.That(Assert.Throws<ApiFault>(() => Parse("?limit=abc"))!.StatusCode, Is.EqualTo(400));
        Assert.That(Assert.Throws<ApiFault>(() => Parse("?marker=zz").Apply(Items, s => s))!.StatusCode, Is.EqualTo(400));
    }
}
