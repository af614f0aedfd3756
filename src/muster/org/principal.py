"""Who is calling: the member, the department they act in, and what they may do."""

from dataclasses import dataclass

from muster.events.schemas import Actor, Context
from muster.org.roles import Permission, Role, permissions_of


@dataclass(frozen=True, slots=True)
class Principal:
    member_id: str
    member_name: str
    department_id: str
    roles: frozenset[Role]
    token_id: str

    @property
    def actor(self) -> Actor:
        return Actor(id=self.member_id, name=self.member_name)

    @property
    def context(self) -> Context:
        return Context(self.department_id, self.actor)

    def can(self, permission: Permission) -> bool:
        return permission in permissions_of(self.roles)
