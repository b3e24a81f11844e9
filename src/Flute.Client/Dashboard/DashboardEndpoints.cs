using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Flute.Client.Dashboard;

/// <summary>
/// Flute's page and its JSON: <c>GET /</c> the self-contained page (inline JS and SVG, nothing fetched
/// from elsewhere), <c>GET /api/experiments</c> the experiments watched, <c>GET /api/experiments/{id}?since=N</c>
/// one experiment with its rounds from index N on (the page asks only for rounds it has not drawn).
/// </summary>
public static class DashboardEndpoints
{
    private static readonly Lazy<byte[]> s_page = new(() =>
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Flute.Client.Dashboard.dashboard.html")
            ?? throw new InvalidOperationException("dashboard.html is not embedded in the CLI assembly");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    /// <summary>Maps the page and the API onto <paramref name="endpoints"/>.</summary>
    public static void Map(IEndpointRouteBuilder endpoints, ExperimentBoard board)
    {
        endpoints.MapGet("/", () => Results.Bytes(s_page.Value, "text/html; charset=utf-8"));
        endpoints.MapGet("/api/experiments", () => Json(json =>
        {
            json.WriteStartObject();
            json.WriteStartArray("experiments");
            foreach (ExperimentFeed feed in board.Feeds)
            {
                json.WriteStartObject();
                feed.WriteSummary(json);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }));
        endpoints.MapGet("/api/experiments/{id}", (string id, int? since) => board.Find(id) is { } feed
            ? Json(json =>
            {
                json.WriteStartObject();
                feed.WriteDetail(json, since ?? 0);
                json.WriteEndObject();
            })
            : Results.NotFound());
    }

    private static IResult Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer)) write(json);
        return Results.Bytes(buffer.ToArray(), "application/json");
    }
}
