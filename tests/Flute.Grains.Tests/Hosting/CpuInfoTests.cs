using Flute.Grains.Hosting;

namespace Flute.Grains.Tests.Hosting;

public sealed class CpuInfoTests
{
    // Two processors of an AMD EPYC with AVX-512, as /proc/cpuinfo lists them (flags shortened to
    // a mix of relevant and irrelevant ones, in the kernel's order).
    private const string EpycAvx512 = """
        processor	: 0
        vendor_id	: AuthenticAMD
        cpu family	: 25
        model name	: AMD EPYC 9R14 96-Core Processor
        flags		: fpu vme de pse msr sse sse2 ssse3 fma cx16 sse4_1 sse4_2 movbe popcnt avx f16c rdrand avx2 bmi2 avx512f avx512dq avx512cd avx512bw avx512vl avx512_bf16 avx512_vnni clzero

        processor	: 1
        vendor_id	: AuthenticAMD
        model name	: AMD EPYC 9R14 96-Core Processor
        flags		: fpu vme de pse msr sse sse2

        """;

    [Fact]
    public void Parse_takes_the_first_model_name_and_the_relevant_flags_in_a_fixed_order()
    {
        CpuInfo cpu = CpuInfo.Parse(EpycAvx512);

        Assert.Equal("AMD EPYC 9R14 96-Core Processor", cpu.Model);
        // RelevantFlags order, not the kernel's: sse4_2 avx avx2 fma f16c, then the AVX-512 ones;
        // sse, ssse3, bmi2, clzero ... are left out.
        Assert.Equal("sse4_2 avx avx2 fma f16c avx512f avx512dq avx512cd avx512bw avx512vl avx512_vnni avx512_bf16", cpu.IsaFlags);
    }

    [Fact]
    public void An_avx2_only_cpu_lists_no_avx512_flag()
    {
        const string text = "model name\t: AMD EPYC 7B13\nflags\t\t: sse4_2 avx fma avx2\n";

        CpuInfo cpu = CpuInfo.Parse(text);

        Assert.Equal("AMD EPYC 7B13", cpu.Model);
        Assert.Equal("sse4_2 avx avx2 fma", cpu.IsaFlags);
    }

    [Fact]
    public void A_cpuinfo_without_model_name_or_flags_gives_unknown_and_no_flags()
    {
        Assert.Equal(new CpuInfo("unknown", ""), CpuInfo.Parse("processor\t: 0\nBogoMIPS\t: 50.00\n"));
        Assert.Equal(new CpuInfo("0xd0c", ""), CpuInfo.Parse("processor\t: 0\nCPU part\t: 0xd0c\nFeatures\t: fp asimd\n"));
    }

    [Fact]
    public void Current_reads_this_machines_model_name()
    {
        string expected = File.ReadLines("/proc/cpuinfo").First(l => l.StartsWith("model name", StringComparison.Ordinal)).Split(':', 2)[1].Trim();

        CpuInfo cpu = CpuInfo.Current();

        Assert.Equal(expected, cpu.Model);
        Assert.Contains("avx2", cpu.IsaFlags.Split(' '));
    }
}
