using Microsoft.AspNetCore.Http;
using ModelGate.Invoke;

namespace ModelGate.Tests.Invoke;

/// <summary>The upstream URL a call is forwarded to, joined without UriBuilder where that changes nothing.</summary>
public sealed class InvokeTargetTests
{
    [Theory]
    [InlineData("http://127.0.0.1:8080/", "/v1/chat/completions", "")]
    [InlineData("http://127.0.0.1:8080", "/v1/chat/completions", "?trace=1&x=a%20b")]
    [InlineData("https://models.example.com/base/", "/predict", "?")]
    [InlineData("https://models.example.com/base//", "/", "")]
    [InlineData("http://models.example.com/", "/a/./b/../c", "")]
    [InlineData("http://[::1]:9000/v2", "/x:y@z!$&'()*+,;=", "?q")]
    [InlineData("http://user:secret@models.example.com/", "/v1/models", "")]
    [InlineData("http://models.example.com/#part", "/v1/models", "")]
    [InlineData("http://models.example.com/", "/with space/and ümlaut", "")]
    [InlineData("http://models.example.com/", "/question?mark#hash", "?a=1")]
    [InlineData("http://models.example.com/", "/already%2Fescaped%zz", "")]
    [InlineData("http://models.example.com/", "/back\\slash/[brackets]", "")]
    [InlineData("http://bücher.example/", "/v1", "")]
    [InlineData("http://models.example.com/base%20dir/", "/v1", "")]
    public void Target_IsWhatUriBuilderMakes(string upstream, string path, string query)
    {
        var expected = ByUriBuilder(new Uri(upstream), path, new QueryString(query.Length == 0 ? null : query));

        var target = InvokeProxy.Target(new Uri(upstream), path, new QueryString(query.Length == 0 ? null : query));

        Assert.Equal(expected.OriginalString, target.OriginalString);
        Assert.Equal(expected.AbsoluteUri, target.AbsoluteUri);
        Assert.Equal(expected, target);
    }

    // How the proxy built every target before it learned to skip the builder.
    private static Uri ByUriBuilder(Uri upstream, string path, QueryString query)
    {
        var basePath = upstream.AbsolutePath.TrimEnd('/');
        return new UriBuilder(upstream) { Path = basePath + path, Query = query.HasValue ? query.Value![1..] : "" }.Uri;
    }
}
