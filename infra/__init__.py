"""Infrastructure as code: the CloudFormation merged into `chalice package`, generated from the models."""
