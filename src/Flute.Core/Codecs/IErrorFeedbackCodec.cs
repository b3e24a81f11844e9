namespace Flute.Core.Codecs;

/// <summary>
/// A lossy codec whose clients keep what it did not send (the residual) and add it to their next
/// update: error feedback. The codec stays stateless; the client grain keeps each client's residual in
/// the client state store, versioned by round like SCAFFOLD's control variate, so a round re-run after a
/// crash reads the residual from before that round (<see cref="ErrorFeedback"/> holds the arithmetic).
/// </summary>
public interface IErrorFeedbackCodec : IUpdateCodec;
