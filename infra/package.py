"""The template `make package` emits, built in this process: Chalice's SAM template merged with ours.

``chalice package`` does three things: it zips the code, it generates the SAM template from the app
(functions, handlers, roles, schedules, the API) and it deep-merges ``infra/template.py``'s resources into
it. This module does the last two with Chalice's own classes and skips the zips, so the local stack
(local/cloudformation.py) boots from the structure AWS deploys, in under a second. ``CodeUri`` is the
placeholder ``chalice package`` writes too; the managed layer is left out (it holds only dependencies).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from infra import template


def sam_template(stage: str) -> dict[str, Any]:
    """The packaged template of ``stage``. The app must be imported for this stage (or not yet imported):
    which routes exist depends on the stage (``/_local`` only for ``local``)."""
    import botocore.session
    from chalice.awsclient import TypedAWSClient
    from chalice.cli.factory import CLIFactory
    from chalice.deploy.appgraph import ApplicationGraphBuilder, DependencyBuilder
    from chalice.deploy.deployer import (
        BaseDeployStep,
        BuildStage,
        InjectDefaults,
        LambdaEventSourcePolicyInjector,
        PolicyGenerator,
        SwaggerBuilder,
        WebsocketPolicyInjector,
    )
    from chalice.deploy.swagger import CFNSwaggerGenerator
    from chalice.package import PackageOptions, ResourceBuilder, SAMTemplateGenerator, TemplateDeepMerger
    from chalice.policy import AppPolicyGenerator
    from chalice.utils import OSUtils

    class NoZip(BaseDeployStep):
        def handle_lambdafunction(self, config: Any, resource: Any) -> None:
            resource.deployment_package.filename = "./deployment.zip"
            resource.managed_layer = None

    with template._stage(stage):
        imported_for = getattr(sys.modules.get("app"), "STAGE", stage)
        if imported_for != stage:
            raise RuntimeError(f"app.py was imported for stage {imported_for!r}, not {stage!r}: "
                               "package it in a new process")
        os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
        config = CLIFactory(str(template.ROOT), environ=dict(os.environ)).create_config_obj(chalice_stage_name=stage)
        osutils = OSUtils()
        build = BuildStage(steps=[InjectDefaults(), NoZip(),
                                  PolicyGenerator(policy_gen=AppPolicyGenerator(osutils=osutils), osutils=osutils),
                                  SwaggerBuilder(swagger_generator=CFNSwaggerGenerator()),
                                  LambdaEventSourcePolicyInjector(), WebsocketPolicyInjector()])
        resources = ResourceBuilder(ApplicationGraphBuilder(), DependencyBuilder(), build).construct_resources(
            config, stage)
        generated = SAMTemplateGenerator(config, PackageOptions(TypedAWSClient(botocore.session.get_session()))) \
            .generate(resources)
        merged: dict[str, Any] = TemplateDeepMerger().merge(template.resources(stage), generated)
    return merged

