using System.Reflection;
using System.Runtime.Loader;

namespace Flute.Core.Plugins;

/// <summary>
/// Loads plug-in assemblies (<c>experiment.plugins</c>) into the default load context, so their types
/// and Flute's are the same types, and runs their <see cref="IFlutePlugin"/> registrations. An
/// assembly is loaded and registered once per process however many configs name it; its own
/// dependencies resolve from its build output (its <c>.deps.json</c>). Thread-safe.
/// </summary>
public static class PluginLoader
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, Assembly> s_loaded = new(StringComparer.Ordinal);

    /// <summary>The full paths of the assemblies loaded so far, in load order.</summary>
    public static IReadOnlyList<string> Loaded
    {
        get
        {
            lock (Gate) return [.. s_loaded.Keys];
        }
    }

    /// <summary>
    /// Loads every assembly of a comma-separated list (paths relative to the working directory) and
    /// returns the list as full paths, the form configs carry to silos. Empty text loads nothing.
    /// </summary>
    /// <exception cref="PluginLoadException">A file is missing or not a .NET assembly, holds no plug-in, or its registration failed.</exception>
    public static string LoadAll(string paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var full = new List<string>();
        foreach (string item in paths.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            string path = Path.GetFullPath(item);
            Load(path);
            if (!full.Contains(path, StringComparer.Ordinal)) full.Add(path);
        }
        return string.Join(",", full);
    }

    /// <summary>Loads one assembly by full path and runs its registrations, unless this process did already.</summary>
    /// <exception cref="PluginLoadException">See <see cref="LoadAll"/>.</exception>
    public static Assembly Load(string fullPath)
    {
        ArgumentNullException.ThrowIfNull(fullPath);
        lock (Gate)
        {
            if (s_loaded.TryGetValue(fullPath, out Assembly? done)) return done;
            if (!File.Exists(fullPath)) throw new PluginLoadException($"plug-in assembly not found: {fullPath}");
            AssemblyName name;
            try
            {
                name = AssemblyName.GetAssemblyName(fullPath);
            }
            catch (BadImageFormatException)
            {
                throw new PluginLoadException($"{fullPath} is not a .NET assembly");
            }
            if (AssemblyLoadContext.Default.Assemblies.FirstOrDefault(a => a.GetName().Name == name.Name) is { } other)
                throw new PluginLoadException(string.Equals(other.Location, fullPath, StringComparison.Ordinal)
                    ? $"{fullPath} is part of the running Flute process, not a plug-in"
                    : $"{fullPath}: an assembly named {name.Name} is loaded already (from {other.Location}); one process takes one copy of a plug-in");

            var dependencies = new AssemblyDependencyResolver(fullPath);
            AssemblyLoadContext.Default.Resolving += (context, wanted) =>
                dependencies.ResolveAssemblyToPath(wanted) is string dependency ? context.LoadFromAssemblyPath(dependency) : null;
            Assembly assembly = AssemblyLoadContext.Default.LoadFromAssemblyPath(fullPath);
            Type[] entryPoints = EntryPoints(assembly, fullPath);
            if (entryPoints.Length == 0)
                throw new PluginLoadException($"{fullPath} has no public class implementing {nameof(IFlutePlugin)} (Flute.Core.Plugins)");
            foreach (Type type in entryPoints) Register(type, fullPath);
            s_loaded[fullPath] = assembly;
            return assembly;
        }
    }

    private static Type[] EntryPoints(Assembly assembly, string path)
    {
        Type[] types;
        try
        {
            types = assembly.GetExportedTypes();
        }
        catch (Exception e) when (e is ReflectionTypeLoadException or FileNotFoundException or FileLoadException)
        {
            throw new PluginLoadException($"{path}: its types cannot be loaded ({FirstLine(e.Message)}); was it built against this version of Flute?");
        }
        return [.. types.Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IFlutePlugin).IsAssignableFrom(t)).OrderBy(t => t.FullName, StringComparer.Ordinal)];
    }

    private static void Register(Type type, string path)
    {
        IFlutePlugin plugin;
        try
        {
            plugin = (IFlutePlugin)(Activator.CreateInstance(type)
                ?? throw new PluginLoadException($"{path}: {type.FullName} could not be created"));
        }
        catch (MissingMethodException)
        {
            throw new PluginLoadException($"{path}: {type.FullName} needs a public parameterless constructor");
        }
        catch (TargetInvocationException e)
        {
            throw new PluginLoadException($"{path}: {type.FullName}'s constructor failed: {FirstLine(e.InnerException?.Message ?? e.Message)}");
        }
        try
        {
            plugin.Register();
        }
        catch (Exception e) when (e is not PluginLoadException)
        {
            throw new PluginLoadException($"{path}: {type.FullName}.Register failed: {FirstLine(e.Message)}");
        }
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
}

/// <summary>A plug-in assembly could not be loaded or registered; the message is one line naming the file.</summary>
public sealed class PluginLoadException(string message) : Exception(message);
