namespace CloudBox.Ec2.Api;

/// <summary>An error answered in EC2's XML error shape with one of EC2's codes.</summary>
internal sealed class Ec2Error(int status, string code, string message) : Exception(message)
{
    public int Status { get; } = status;

    public string Code { get; } = code;

    public static Ec2Error InvalidParameterValue(string message) => new(400, "InvalidParameterValue", message);
    public static Ec2Error InvalidParameterCombination(string message) => new(400, "InvalidParameterCombination", message);
    public static Ec2Error MissingParameter(string name) => new(400, "MissingParameter", $"The request must contain the parameter {name}");
    public static Ec2Error InvalidAction(string action) => new(400, "InvalidAction", $"The action {action} is not valid for this web service.");
    public static Ec2Error NotFound(string code, string id) => new(400, code, $"The ID '{id}' does not exist");
    public static Ec2Error AuthFailure(string message = "AWS was not able to validate the provided access credentials") => new(401, "AuthFailure", message);
    public static Ec2Error SignatureDoesNotMatch() =>
        new(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.");
    public static Ec2Error UnauthorizedOperation(string message = "You are not authorized to perform this operation.") => new(403, "UnauthorizedOperation", message);
}
