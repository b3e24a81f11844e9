#nullable enable
// MSBuild inline task (RoslynCodeTaskFactory, Type="Class").
// libLibTorchSharp.so (TorchSharp 0.107) lists GLIBCXX_3.4.32 as a required symbol version, but the
// only symbol bound to it is the marker `_ZSt21ios_base_library_initv`, which is never called.
// Debian 12's libstdc++ stops at GLIBCXX_3.4.30, so the loader refuses the library. Marking that one
// version requirement weak (VER_FLG_WEAK in its Vernaux entry) lets the loader accept it. The task
// edits only the copy in a build or publish output, and only when the system libstdc++ lacks the
// version, so machines with a newer libstdc++ get the untouched file.
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class WeakenGlibcxxVersion : Task
{
    [Required] public string Library { get; set; } = "";
    public string Version { get; set; } = "GLIBCXX_3.4.32";

    private static readonly string[] SystemLibstdcxx =
    {
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
    };

    public override bool Execute()
    {
        if (!File.Exists(Library)) return true;
        string? system = Array.Find(SystemLibstdcxx, File.Exists);
        if (system == null) return true;
        if (Contains(File.ReadAllBytes(system), Encoding.ASCII.GetBytes(Version + "\0"))) return true;
        byte[] elf = File.ReadAllBytes(Library);
        int changed = Weaken(elf, Version);
        if (changed < 0) { Log.LogWarning("{0}: not a 64-bit little-endian ELF file", Library); return true; }
        if (changed > 0)
        {
            File.WriteAllBytes(Library, elf);
            Log.LogMessage(MessageImportance.High, "Flute: marked {0} weak in {1} (system libstdc++ lacks it)", Version, Library);
        }
        return true;
    }

    private static bool Contains(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return true;
        }
        return false;
    }

    /// <summary>Returns the number of Vernaux entries changed, or -1 for an unsupported file.</summary>
    public static int Weaken(byte[] elf, string version)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[4] != 2 || elf[5] != 1) return -1;
        long shoff = BitConverter.ToInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A);
        int shnum = BitConverter.ToUInt16(elf, 0x3C);
        int changed = 0;
        for (int s = 0; s < shnum; s++)
        {
            long sh = shoff + (long)s * shentsize;
            const uint SHT_GNU_verneed = 0x6ffffffe;
            if (BitConverter.ToUInt32(elf, (int)sh + 4) != SHT_GNU_verneed) continue;
            long offset = BitConverter.ToInt64(elf, (int)sh + 0x18);
            int link = BitConverter.ToInt32(elf, (int)sh + 0x28);
            int count = BitConverter.ToInt32(elf, (int)sh + 0x2C); // sh_info = number of Verneed entries
            long strtab = BitConverter.ToInt64(elf, (int)(shoff + (long)link * shentsize) + 0x18);
            long need = offset;
            for (int n = 0; n < count; n++)
            {
                int auxCount = BitConverter.ToUInt16(elf, (int)need + 2);
                long aux = need + BitConverter.ToUInt32(elf, (int)need + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    long name = strtab + BitConverter.ToUInt32(elf, (int)aux + 8);
                    int end = Array.IndexOf(elf, (byte)0, (int)name);
                    if (Encoding.ASCII.GetString(elf, (int)name, end - (int)name) == version)
                    {
                        const ushort VER_FLG_WEAK = 2;
                        ushort flags = BitConverter.ToUInt16(elf, (int)aux + 4);
                        if ((flags & VER_FLG_WEAK) == 0)
                        {
                            BitConverter.GetBytes((ushort)(flags | VER_FLG_WEAK)).CopyTo(elf, (int)aux + 4);
                            changed++;
                        }
                    }
                    aux += BitConverter.ToUInt32(elf, (int)aux + 12);
                }
                need += BitConverter.ToUInt32(elf, (int)need + 12);
            }
        }
        return changed;
    }
}
