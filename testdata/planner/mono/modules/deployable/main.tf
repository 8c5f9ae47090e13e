terraform {
  backend "s3" {}
}
variable "region" {}
