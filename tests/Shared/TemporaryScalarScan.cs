using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Flute.Tests.Shared;

/// <summary>
/// Finds, in compiled IL, the calls that hand libtorch a TorchSharp <c>Scalar</c> nothing keeps alive.
/// TorchSharp 0.107's <c>Scalar</c> wraps a native pointer in a plain <c>IntPtr</c> and frees it in a
/// finalizer. A temporary (an implicit <c>1.0</c> → Scalar conversion passed straight as an argument)
/// is unreachable once its handle is loaded, so a garbage collection during the native call may run
/// the finalizer and free the scalar while libtorch still reads it ("Expected false to be true" from
/// <c>Scalar::toFloat</c>). TorchSharp itself creates such temporaries in overloads like
/// <c>add_(Tensor)</c>, which calls <c>add_(target, 1)</c>.
///
/// The scan works on metadata only (nothing is loaded): a method is unsafe when it converts a value
/// to a Scalar and does not store the result in a local, field or array element first, or when it
/// calls a TorchSharp method that is unsafe in that sense (computed over TorchSharp's own call
/// graph, to a fixed point).
/// </summary>
internal static class TemporaryScalarScan
{
    public sealed record Finding(string Method, int ILOffset, string Reason)
    {
        public override string ToString() => $"{Method} at IL_{ILOffset:x4}: {Reason}";
    }

    private static readonly OpCode[] OneByte = new OpCode[0x100];
    private static readonly OpCode[] TwoByte = new OpCode[0x100];

    static TemporaryScalarScan()
    {
        foreach (FieldInfo field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var op = (OpCode)field.GetValue(null)!;
            ushort value = unchecked((ushort)op.Value);
            if (value < 0x100) OneByte[value] = op;
            else if ((value & 0xff00) == 0xfe00) TwoByte[value & 0xff] = op;
        }
    }

    /// <summary>The TorchSharp methods (by signature key) that pass libtorch a temporary Scalar, directly or through another.</summary>
    public static HashSet<string> UnsafeTorchSharpMethods(string torchSharpPath)
    {
        using var assembly = new AssemblyIL(torchSharpPath);
        var unsafeMethods = new HashSet<string>(StringComparer.Ordinal);
        var callers = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var method in assembly.Methods())
        {
            bool direct = false;
            foreach (var call in method.Calls)
            {
                if (call.IsTemporaryScalar) direct = true;
                if (!callers.TryGetValue(call.Target, out var list)) callers[call.Target] = list = [];
                list.Add(method.Key);
            }
            if (direct) unsafeMethods.Add(method.Key);
        }
        var pending = new Queue<string>(unsafeMethods);
        while (pending.TryDequeue(out string? key))
        {
            if (!callers.TryGetValue(key, out var list)) continue;
            foreach (string caller in list)
                if (unsafeMethods.Add(caller)) pending.Enqueue(caller);
        }
        return unsafeMethods;
    }

    /// <summary>Every call site in <paramref name="assemblyPath"/> that gives libtorch an unkept Scalar.</summary>
    public static List<Finding> Scan(string assemblyPath, HashSet<string> unsafeTorchSharp)
    {
        using var assembly = new AssemblyIL(assemblyPath);
        var findings = new List<Finding>();
        foreach (var method in assembly.Methods())
        {
            foreach (var call in method.Calls)
            {
                if (call.IsTemporaryScalar)
                    findings.Add(new Finding(method.Key, call.Offset, $"the Scalar from {call.Target} goes straight into a call"));
                else if (unsafeTorchSharp.Contains(call.Target))
                    findings.Add(new Finding(method.Key, call.Offset, $"{call.Target} passes libtorch a temporary Scalar"));
            }
        }
        return findings;
    }

    private readonly record struct Call(int Offset, string Target, bool IsTemporaryScalar);

    private sealed record MethodIL(string Key, List<Call> Calls);

    private sealed class AssemblyIL : IDisposable
    {
        private readonly PEReader _pe;
        private readonly MetadataReader _md;
        private readonly SignatureNames _names = new();

        public AssemblyIL(string path)
        {
            _pe = new PEReader(File.OpenRead(path));
            _md = _pe.GetMetadataReader();
        }

        public void Dispose() => _pe.Dispose();

        public IEnumerable<MethodIL> Methods()
        {
            foreach (var handle in _md.MethodDefinitions)
            {
                var definition = _md.GetMethodDefinition(handle);
                if (definition.RelativeVirtualAddress == 0) continue;
                var body = _pe.GetMethodBody(definition.RelativeVirtualAddress);
                yield return new MethodIL(Key(handle), Calls(body.GetILBytes()!));
            }
        }

        private List<Call> Calls(byte[] il)
        {
            var calls = new List<Call>();
            int position = 0;
            (int Offset, string Target)? pendingScalar = null;
            while (position < il.Length)
            {
                int offset = position;
                OpCode op = il[position] == 0xfe ? TwoByte[il[position + 1]] : OneByte[il[position]];
                position += op.Size;
                int operandSize = op.OperandType switch
                {
                    OperandType.InlineNone => 0,
                    OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                    OperandType.InlineVar => 2,
                    OperandType.InlineI8 or OperandType.InlineR => 8,
                    OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, position),
                    _ => 4,
                };
                if (pendingScalar is { } created)
                {
                    // A conversion's result is kept only if the very next instruction stores it.
                    if (!IsStore(op)) calls.Add(new Call(created.Offset, created.Target, true));
                    pendingScalar = null;
                }
                if (op == OpCodes.Call || op == OpCodes.Callvirt || op == OpCodes.Newobj)
                {
                    string target = Key(MetadataTokens.EntityHandle(BitConverter.ToInt32(il, position)));
                    if (op != OpCodes.Newobj && CreatesScalar(target)) pendingScalar = (offset, target);
                    else calls.Add(new Call(offset, target, false));
                }
                position += operandSize;
            }
            return calls;
        }

        private static bool IsStore(OpCode op) =>
            op == OpCodes.Stloc || op == OpCodes.Stloc_S || op == OpCodes.Stloc_0 || op == OpCodes.Stloc_1 ||
            op == OpCodes.Stloc_2 || op == OpCodes.Stloc_3 || op == OpCodes.Stfld || op == OpCodes.Stsfld ||
            op == OpCodes.Stelem_Ref || op == OpCodes.Ret;

        /// <summary>Implicit conversions to Scalar and TorchSharp's <c>ToScalar</c>-style factories.</summary>
        private static bool CreatesScalar(string key) =>
            key.StartsWith("TorchSharp.Scalar ", StringComparison.Ordinal) &&
            (key.Contains(" TorchSharp.Scalar::op_Implicit(", StringComparison.Ordinal) ||
             key.Contains(" TorchSharp.ScalarExtensionMethods::To", StringComparison.Ordinal) ||
             key.Contains("::ToScalar(", StringComparison.Ordinal));

        private string Key(EntityHandle handle)
        {
            switch (handle.Kind)
            {
                case HandleKind.MethodDefinition:
                {
                    var method = _md.GetMethodDefinition((MethodDefinitionHandle)handle);
                    var signature = method.DecodeSignature(_names, null);
                    return Format(signature, _names.Name(_md, method.GetDeclaringType()), _md.GetString(method.Name));
                }
                case HandleKind.MemberReference:
                {
                    var member = _md.GetMemberReference((MemberReferenceHandle)handle);
                    if (member.GetKind() != MemberReferenceKind.Method) return "field";
                    string parent = member.Parent.Kind switch
                    {
                        HandleKind.TypeReference => _names.Name(_md, (TypeReferenceHandle)member.Parent),
                        HandleKind.TypeDefinition => _names.Name(_md, (TypeDefinitionHandle)member.Parent),
                        HandleKind.TypeSpecification => GenericDefinition(_md.GetTypeSpecification((TypeSpecificationHandle)member.Parent).DecodeSignature(_names, null)),
                        _ => "?",
                    };
                    return Format(member.DecodeMethodSignature(_names, null), parent, _md.GetString(member.Name));
                }
                case HandleKind.MethodSpecification:
                    return Key(_md.GetMethodSpecification((MethodSpecificationHandle)handle).Method);
                default:
                    return "?";
            }
        }

        private static string GenericDefinition(string name)
        {
            int angle = name.IndexOf('<', StringComparison.Ordinal);
            return angle < 0 ? name : name[..angle];
        }

        private static string Format(MethodSignature<string> signature, string type, string name) =>
            $"{signature.ReturnType} {type}::{name}({string.Join(",", signature.ParameterTypes)})";
    }

    /// <summary>Type names from signatures, the same for a definition and for a reference to it.</summary>
    private sealed class SignatureNames : ISignatureTypeProvider<string, object?>
    {
        public string Name(MetadataReader md, TypeDefinitionHandle handle)
        {
            var type = md.GetTypeDefinition(handle);
            string name = md.GetString(type.Name);
            var declaring = type.GetDeclaringType();
            if (!declaring.IsNil) return Name(md, declaring) + "+" + name;
            string ns = md.GetString(type.Namespace);
            return ns.Length == 0 ? name : ns + "." + name;
        }

        public string Name(MetadataReader md, TypeReferenceHandle handle)
        {
            var type = md.GetTypeReference(handle);
            string name = md.GetString(type.Name);
            if (type.ResolutionScope.Kind == HandleKind.TypeReference)
                return Name(md, (TypeReferenceHandle)type.ResolutionScope) + "+" + name;
            string ns = md.GetString(type.Namespace);
            return ns.Length == 0 ? name : ns + "." + name;
        }

        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode.ToString();
        public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => Name(reader, handle);
        public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => Name(reader, handle);
        public string GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);
        public string GetSZArrayType(string elementType) => elementType + "[]";
        public string GetArrayType(string elementType, ArrayShape shape) => elementType + "[" + new string(',', shape.Rank - 1) + "]";
        public string GetByReferenceType(string elementType) => elementType + "&";
        public string GetPointerType(string elementType) => elementType + "*";
        public string GetPinnedType(string elementType) => elementType;
        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;
        public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) => genericType + "<" + string.Join(",", typeArguments) + ">";
        public string GetGenericMethodParameter(object? genericContext, int index) => "!!" + index;
        public string GetGenericTypeParameter(object? genericContext, int index) => "!" + index;
        public string GetFunctionPointerType(MethodSignature<string> signature) => "fnptr";
    }
}
