namespace CloudBox.Objects.Swift;

/// <summary>What a request does, for authorization: owners may do all; ACLs grant reads, listings and object writes.</summary>
internal enum SwiftOperation
{
    OwnerOnly,
    ListContainer,
    ReadObject,
    WriteObject,
}
